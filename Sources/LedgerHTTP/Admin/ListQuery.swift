import Foundation
import LedgerCore

/// The query parameters of a filtered admin list: blank ones absent,
/// `from` and `to` checked as UTC days, problems said in words.
struct ListQuery {
    private let parameters: [String: String]
    var problems: [String] = []

    init(_ parameters: [String: String]) {
        self.parameters = parameters
    }

    /// The parameter, trimmed; nil when absent or blank.
    func given(_ name: String) -> String? {
        parameters[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `from` and `to` as days like 2026-11-23; one that is not is a problem.
    mutating func days() -> (from: String?, to: String?) {
        var days: (from: String?, to: String?) = (nil, nil)
        for name in ["from", "to"] {
            guard let day = given(name) else { continue }
            guard Self.startOfDay(day) != nil else { problems.append("\(name) must be a day like 2026-11-23"); continue }
            if name == "from" { days.from = day } else { days.to = day }
        }
        return days
    }

    /// From the start of `from` to before the day after `to` (UTC).
    static func window(from: String?, to: String?) -> (from: Timestamp?, before: Timestamp?) {
        (from.flatMap(startOfDay), to.flatMap(startOfDay).map { $0.adding(milliseconds: 86_400_000) })
    }

    static func startOfDay(_ day: String) -> Timestamp? {
        guard day.count == 10 else { return nil }
        return Timestamp(iso8601: day + "T00:00:00.000Z")
    }
}
