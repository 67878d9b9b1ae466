import Foundation
import LedgerCore
import LedgerStore

/// `/admin/jobs`: the jobs, filtered by status, provider, account and the
/// day they were registered (UTC), 50 to a page in job-id order; the next
/// page starts after the last job shown, so a page costs the same however deep.
struct JobListPage {
    static let pageSize = 50

    var status: JobStatus?
    var provider: String?
    var account: String?
    /// Registered on or after this day, and on or before `toDay` (`YYYY-MM-DD`, UTC).
    var fromDay: String?
    var toDay: String?
    var after: String?
    /// What was wrong with the query, shown above the form.
    var problems: [String] = []

    init(_ parameters: [String: String]) {
        var query = ListQuery(parameters)
        if let text = query.given("status") {
            status = JobStatus(rawValue: text)
            if status == nil { query.problems.append("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
        provider = query.given("provider")
        account = query.given("account")
        after = query.given("after")
        (fromDay, toDay) = query.days()
        problems = query.problems
    }

    var filter: JobFilter {
        let window = ListQuery.window(from: fromDay, to: toDay)
        return JobFilter(status: status, provider: provider, account: account, registeredFrom: window.from, registeredBefore: window.before)
    }

    func html(_ page: JobPage, providers: [String], now: Timestamp) -> String {
        let jobs = page.jobs
        let columns = ["job_id", "account", "provider", "status", "completion_source", "cost", "refunded", "registered_at", "last_event_at"]
        let rows: [[String?]] = jobs.map { job in
            [job.jobID, job.account, job.provider, job.status.rawValue, job.completionSource?.rawValue, String(job.cost),
             String(job.refundedAmount), job.registeredAt?.iso8601, job.lastEventAt?.iso8601]
        }
        let problemsHTML = problems.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" }.joined()
        let caption = Pager.caption(after: after) + ": " + HTML.count(jobs.count, "job") + describedFilter
        return """
            \(problemsHTML)
            \(Self.findForm)
            \(form(providers: providers))
            \(HTML.table(columns, rows, caption: caption, links: HTML.jobLinks(0), now: now, empty: "no job matches these filters."))
            \(Pager.html(path: "/admin/jobs", filters: filters, after: after, next: page.nextAfter))
            """
    }

    private var describedFilter: String {
        var parts: [String] = []
        if let status { parts.append("status \(status.rawValue)") }
        if let provider { parts.append("provider \(provider)") }
        if let account { parts.append("account \(account)") }
        if let fromDay { parts.append("registered from \(fromDay)") }
        if let toDay { parts.append("registered to \(toDay)") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    /// One job by its id or the provider's id for it (what a customer or the
    /// provider's dashboard quotes): see `AdminRoutes.find`.
    static let findForm = """
        <form method="get" action="/admin/jobs" role="search" aria-label="Find a job">\
        <label>Job id or provider's id <input name="job_id" required></label>
        <button type="submit">Find</button></form>
        """

    private func form(providers: [String]) -> String {
        func option(_ value: String, _ label: String, selected: Bool) -> String {
            "<option value=\"\(HTML.escape(value))\"\(selected ? " selected" : "")>\(HTML.escape(label))</option>"
        }
        let statuses = [option("", "any", selected: status == nil)]
            + JobStatus.allCases.map { option($0.rawValue, $0.rawValue, selected: $0 == status) }
        let providerOptions = [option("", "any", selected: provider == nil)]
            + providers.map { option($0, $0, selected: $0 == provider) }
        return """
            <form method="get" action="/admin/jobs" role="search" aria-label="Filter jobs">
            <label>Status <select name="status">\(statuses.joined())</select></label>
            <label>Provider <select name="provider">\(providerOptions.joined())</select></label>
            <label>Account <input name="account" value="\(HTML.escape(account ?? ""))"></label>
            <label>Registered from (UTC day) <input type="date" name="from" value="\(HTML.escape(fromDay ?? ""))"></label>
            <label>to (inclusive) <input type="date" name="to" value="\(HTML.escape(toDay ?? ""))"></label>
            <button type="submit">Filter</button> <a href="/admin/jobs">Clear</a></form>
            """
    }

    /// This filter's query parameters.
    private var filters: [(String, String?)] {
        [("status", status?.rawValue), ("provider", provider), ("account", account), ("from", fromDay), ("to", toDay)]
    }
}
