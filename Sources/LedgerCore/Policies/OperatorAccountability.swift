/// Who acted and why, the one rule for every way an operator acts (the API's
/// actions, the admin pages' re-drive, `ledger redrive`): a name and a reason,
/// each showing more than blanks or invisible characters, at most
/// ``textBytesMax`` bytes, and ``FreeText``. The decider
/// refuses an action that breaks it, so nothing unaccountable is recorded
/// whichever edge let it through.
public enum OperatorAccountability {
    public static let textBytesMax = 1000

    /// Why `operatorName` and `reason` cannot be recorded, or nil when they can.
    public static func problem(operatorName: String, reason: String) -> String? {
        problem("operator", operatorName) ?? problem("reason", reason)
    }

    /// Why `text` cannot be recorded as `field` (also a retention run's operator), or nil.
    public static func problem(_ field: String, _ text: String) -> String? {
        if FreeText.showsNothing(text) { return "\(field) is required: it is recorded with what it did" }
        if text.utf8.count > textBytesMax { return "\(field) must be at most \(textBytesMax) bytes" }
        return FreeText.problem(field, text)
    }
}

extension OperatorAction {
    func validate() throws(DecisionError) {
        if let problem = OperatorAccountability.problem(operatorName: operatorName, reason: reason) { throw .invalid(problem) }
    }
}
