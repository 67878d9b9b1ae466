import Foundation
import LedgerCore
import LedgerStore

/// `/admin/deliveries`: every attempt to notify the app, across jobs, newest
/// first, filtered by outcome, job and the UTC day it was made; each with the
/// app's answer (status, error, time taken) and linked to its job's timeline.
/// A job's dead letters are sent again from here through the re-drive, with
/// the operator's name and reason recorded.
struct DeliveriesPage {
    var outcome: DeliveryFilter.Outcome?
    var jobID: String?
    var fromDay: String?
    var toDay: String?
    var after: String?
    var problems: [String] = []

    init(_ parameters: [String: String]) {
        var query = ListQuery(parameters)
        if let text = query.given("outcome") {
            outcome = DeliveryFilter.Outcome(rawValue: text)
            if outcome == nil {
                query.problems.append("outcome must be one of \(DeliveryFilter.Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let job = query.given("job_id") {
            if SQLText.literal(job) == nil { query.problems.append("job_id must be at most 300 bytes of printable text without a backslash") }
            jobID = job
        }
        after = query.given("after")
        (fromDay, toDay) = query.days()
        problems = query.problems
    }

    var list: ListPage {
        let window = ListQuery.window(from: fromDay, to: toDay)
        return ListPage(.deliveries(DeliveryFilter(outcome: outcome, jobID: jobID, attemptedFrom: window.from, attemptedBefore: window.before)),
                        after: after, limit: JobListPage.pageSize)
    }

    func html(_ table: ReadTable, message: String?, now: Timestamp, mayRedrive: Bool) -> String {
        let position = table.columns.firstIndex(of: "position"), job = table.columns.firstIndex(of: "job_id")
        var links = job.map(HTML.jobLinks) ?? [:]
        if let position, let job {
            links[position] = { row in row[job].flatMap { id in row[position].map { "\(HTML.jobPath(id))#event-\($0)" } } }
        }
        let caption = Pager.caption(after: after) + ": " + HTML.count(table.rows.count, "attempt") + describedFilter + ", newest first"
        return """
            \(problems.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" }.joined())
            \(message.map { "<p class=\"ok\" role=\"status\">\(HTML.escape($0))</p>" } ?? "")
            \(form)
            \(mayRedrive ? resendForm : "")
            \(HTML.table(table.columns, table.rows, caption: caption, links: links, now: now,
                         empty: "no attempt matches these filters (notifications are off, or none was sent yet)."))
            \(Pager.html(path: "/admin/deliveries", filters: filters, after: after, next: list.next(after: table)))
            """
    }

    private var describedFilter: String {
        var parts: [String] = []
        if let outcome { parts.append(outcome.rawValue) }
        if let jobID { parts.append("job \(jobID)") }
        if let fromDay { parts.append("from \(fromDay)") }
        if let toDay { parts.append("to \(toDay)") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    private var form: String {
        func option(_ value: String, _ label: String) -> String {
            "<option value=\"\(value)\"\(value == (outcome?.rawValue ?? "") ? " selected" : "")>\(label)</option>"
        }
        let outcomes = [option("", "any")] + DeliveryFilter.Outcome.allCases.map { option($0.rawValue, Self.words($0)) }
        return """
            <form method="get" action="/admin/deliveries" role="search" aria-label="Filter deliveries">
            <label>Outcome <select name="outcome">\(outcomes.joined())</select></label>
            <label>Job id <input name="job_id" value="\(HTML.escape(jobID ?? ""))"></label>
            <label>Attempted from (UTC day) <input type="date" name="from" value="\(HTML.escape(fromDay ?? ""))"></label>
            <label>to (inclusive) <input type="date" name="to" value="\(HTML.escape(toDay ?? ""))"></label>
            <button type="submit">Filter</button> <a href="/admin/deliveries">Clear</a></form>
            """
    }

    static func words(_ outcome: DeliveryFilter.Outcome) -> String {
        switch outcome {
        case .delivered: "delivered (the app answered 2xx)"
        case .failing: "failed, will be tried again"
        case .deadLettered: "failed for the last time (dead letter)"
        }
    }

    /// With one job named: send its dead letters again (the re-drive the API runs).
    private var resendForm: String {
        guard let jobID, problems.isEmpty else { return "" }
        return """
            <form method="post" action="/admin/redrive" id="resend"><input type="hidden" name="action" value="notify">
            <input type="hidden" name="scope" value="job"><input type="hidden" name="job_id" value="\(HTML.escape(jobID))">
            <label>Your name <input name="operator" required></label>
            <label>Reason (recorded in operator.action) <input name="reason" required></label>
            <button type="submit">Send this job's dead letters again</button></form>
            """
    }

    private var filters: [(String, String?)] {
        [("outcome", outcome?.rawValue), ("job_id", jobID), ("from", fromDay), ("to", toDay)]
    }
}
