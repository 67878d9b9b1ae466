import LedgerCore
import LedgerStore

extension AuditReport {
    func sql(from: String, to: String) -> String {
        precondition((from + to).utf8.allSatisfy { (0x30...0x39).contains($0) || "-:.TZ".utf8.contains($0) },
                     "report windows are rendered timestamps, never raw input")
        if let portable = portableSQL(from: from, to: to) { return portable }
        let window = "BETWEEN '\(from)' AND '\(to)'"
        switch self {
        case .refunds, .lateCompletions, .conflicts, .orphans:
            preconditionFailure("answered by portableSQL")
        case .stuck:
            return """
                SELECT job_id, account, provider, external_id, status, reason, age_s, registered_at, submitted_at, last_event_at
                FROM stuck_jobs WHERE registered_at \(window) ORDER BY age_s DESC
                """
        }
    }
}
