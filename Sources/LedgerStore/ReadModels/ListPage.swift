import Foundation
import LedgerCore

/// One page of a list the admin pages show (refunds, stuck jobs, orphans,
/// dead letters, notification attempts): the rows after the last row of the
/// page before, in the list's order, cut by a key (a keyset, so a deep page
/// costs what the first does and a row added meanwhile is neither skipped
/// nor shown twice). The whole list (``ReadModel/portableSQL``), the cut,
/// the filters and the order are one SQL text for every engine.
public struct ListPage: Sendable, Hashable {
    public enum List: Sendable, Hashable {
        /// ``AuditReport/refunds``, by position.
        case refunds
        /// ``AuditReport/orphans``, by position.
        case orphans
        /// ``ReadModel/stuckList(at:policy:registeredFrom:registeredTo:)``, oldest first.
        case stuck(at: Timestamp, policy: WatchdogPolicy)
        /// ``ReadModel/deadLetters(limit:)``, by position.
        case deadLetters
        /// Every notification attempt, newest first: `position`, `attempted_at`,
        /// `job_id`, `notification_id`, `event`, `attempt`, `outcome`,
        /// `http_status`, `error`, `latency_ms`.
        case deliveries(DeliveryFilter)
    }

    public var list: List
    /// The key of the last row of the page before (`nil`: the first page).
    public var after: String?
    public var limit: Int

    public init(_ list: List, after: String?, limit: Int) {
        self.list = list
        self.after = after
        self.limit = limit
    }

    /// What pages are ordered and cut by, one per list.
    private var key: Key {
        switch list {
        case .refunds: .position("refund_position", descending: false)
        case .orphans: .position("position", descending: false)
        case .deadLetters: .position("dead_lettered_position", descending: false)
        case .deliveries: .position("position", descending: true)
        case .stuck: .sinceThenJob
        }
    }

    private enum Key {
        /// A whole-number column of the list (a position).
        case position(String, descending: Bool)
        /// Since when a stuck job has been open, then its job id (oldest first).
        case sinceThenJob

        var expression: String {
            switch self {
            case .position(let column, _): column
            case .sinceThenJob: StuckJobs.listKey
            }
        }

        var descending: Bool {
            if case .position(_, let descending) = self { descending } else { false }
        }

        /// `after` as an SQL literal; nil when it cannot be one (then the first page).
        func literal(_ after: String) -> String? {
            switch self {
            case .position: Int64(after).map(String.init)
            case .sinceThenJob: SQLText.literal(after)
            }
        }

        /// The key of `record`, for the next page's `after`.
        func value(of record: ReadTable.Record) -> String? {
            switch self {
            case .position(let column, _): record[column]
            case .sinceThenJob: StuckJobs.listKey(of: record)
            }
        }
    }

    /// The page of `listSQL`, the whole list as one dialect asks for it.
    public func sql(wrapping listSQL: String) -> String {
        var conditions = filterConditions
        if let after, let literal = key.literal(after) {
            conditions.append("\(key.expression) \(key.descending ? "<" : ">") \(literal)")
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "SELECT * FROM (\(listSQL)) AS listed\(filter) ORDER BY \(key.expression)\(key.descending ? " DESC" : "") LIMIT \(limit)"
    }

    /// The `after` of the next page, or `nil` when `page` was the last.
    public func next(after page: ReadTable) -> String? {
        guard page.rows.count == limit, let last = page.records.last else { return nil }
        return key.value(of: last)
    }

    private var filterConditions: [String] {
        guard case .deliveries(let filter) = list else { return [] }
        var conditions: [String] = []
        if let outcome = filter.outcome { conditions.append("outcome = '\(outcome.rawValue)'") }
        if let job = filter.jobID.flatMap(SQLText.literal) { conditions.append("job_id = \(job)") }
        if let from = filter.attemptedFrom { conditions.append("attempted_at >= '\(from.iso8601)'") }
        if let before = filter.attemptedBefore { conditions.append("attempted_at < '\(before.iso8601)'") }
        return conditions
    }
}

/// Which notification attempts a deliveries page lists.
public struct DeliveryFilter: Sendable, Hashable {
    /// What became of an attempt: the app accepted it (2xx), it failed and
    /// will be tried again, or it was the last and the notification is dead-lettered.
    public enum Outcome: String, Sendable, CaseIterable {
        case delivered, failing, deadLettered = "dead-lettered"
    }

    public var outcome: Outcome?
    public var jobID: String?
    public var attemptedFrom: Timestamp?
    public var attemptedBefore: Timestamp?

    public init(outcome: Outcome? = nil, jobID: String? = nil, attemptedFrom: Timestamp? = nil, attemptedBefore: Timestamp? = nil) {
        self.outcome = outcome
        self.jobID = jobID
        self.attemptedFrom = attemptedFrom
        self.attemptedBefore = attemptedBefore
    }
}

/// Text placed in read-model SQL as a literal.
public enum SQLText {
    /// `'text'` with its quotes doubled, or `nil` for text no literal should
    /// hold here (control characters, a backslash: no reading of the
    /// literal depends on a server setting), or over 300 bytes.
    public static func literal(_ text: String) -> String? {
        guard text.utf8.count <= 300, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x5C && $0.value != 0x7F }) else {
            return nil
        }
        return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
