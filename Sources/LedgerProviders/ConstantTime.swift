/// Comparison of secrets without an early exit, so timing reveals nothing
/// about where two values differ (API keys, webhook signatures).
public enum ConstantTime {
    public static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
