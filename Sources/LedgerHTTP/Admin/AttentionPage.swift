import LedgerCore
import LedgerStore

/// The front page: what needs a look now. The same questions `ledger doctor`
/// asks (``DoctorChecks``), each as a count linked to its list, then every
/// finding with the command that addresses it.
struct AttentionPage {
    /// One count on the front page: what it counts, where its list is.
    struct Tile {
        var count: Int
        var noun: String
        var link: String
    }

    let now: Timestamp
    /// Each doctor question with its answer.
    let answers: [(check: DoctorChecks, table: ReadTable)]
    /// What the engine's storage needs (``EngineHealth/storageFindings()``).
    let storageFindings: [DoctorFinding]
    let jobsByStatus: ReadTable

    var tiles: [Tile] {
        answers.map { check, table in Self.tile(check.model, table) }
    }

    var findings: [DoctorFinding] {
        answers.flatMap { check, table in check.findings(table, "") } + storageFindings
    }

    static func tile(_ model: ReadModel, _ table: ReadTable) -> Tile {
        switch model {
        case .stuckJobs:
            return Tile(count: table.decoded(as: StuckCount.self).reduce(0) { $0 + $1.jobs }, noun: "stuck job", link: "/admin/stuck")
        case .waitingOrphans:
            return Tile(count: table.decoded(as: WaitingOrphans.self).reduce(0) { $0 + $1.orphans },
                        noun: "orphan webhook waiting over an hour", link: "/admin/orphans")
        case .overdueNotifications:
            return Tile(count: table.decoded(as: OverdueNotifications.self).reduce(0) { $0 + $1.notifications },
                        noun: "notification overdue by 10 min", link: "/admin/dead-letters")
        case .deadLetters:
            return Tile(count: Set(table.decoded(as: DeadLetter.self).map(\.jobID)).count, noun: "job with dead letters",
                        link: "/admin/dead-letters")
        case .silentWebhooks: return Tile(count: table.rows.count, noun: "provider gone quiet", link: "/admin/providers")
        case .unknownStatuses: return Tile(count: table.rows.count, noun: "unknown status word", link: "/admin/providers#unknown")
        case .logAhead: return Tile(count: table.rows.count, noun: "clock behind the log", link: "/admin")
        default: return Tile(count: table.rows.count, noun: "row", link: "/admin")
        }
    }

    var html: String {
        let tileList = tiles.map { tile -> String in
            "<li class=\"tile\(tile.count > 0 ? " alert" : "")\"><a href=\"\(tile.link)\"><strong class=\"count\">\(tile.count)</strong> "
                + "\(HTML.escape(Self.plural(tile.noun, tile.count)))</a></li>"
        }.joined(separator: "\n")
        let statusList = jobsByStatus.decoded(as: StatusCount.self).map { row -> String in
            let status = row.status, count = String(row.jobs)
            return "<li class=\"tile\"><a href=\"/admin/jobs?status=\(HTML.escape(status))\"><strong class=\"count\">\(HTML.escape(count))</strong> "
                + "<span class=\"badge \(TableCell.badgeClass(status))\">\(HTML.escape(status))</span></a></li>"
        }.joined(separator: "\n")
        return """
            <p>As of <time datetime="\(now.iso8601)">\(TableCell.exactUTC(now.iso8601))</time>: the questions <code>ledger doctor</code> asks, each count linked to its list.</p>
            <ul class="tiles" aria-label="Needs attention">\(tileList)</ul>
            \(findingsHTML)
            <h2>Jobs</h2>
            \(JobListPage.findForm)
            \(statusList.isEmpty ? "<p class=\"empty\">No jobs registered yet.</p>" : "<ul class=\"tiles\" aria-label=\"Jobs by status\">\(statusList)</ul>")
            """
    }

    private var findingsHTML: String {
        guard !findings.isEmpty else {
            return "<p class=\"ok\" role=\"status\">Nothing needs a look: no stuck jobs, waiting orphans, overdue or dead-lettered notifications, "
                + "quiet providers or unknown status words. (<code>ledger verify</code> checks the chain itself.)</p>"
        }
        let rows = findings.map { finding -> String in
            "<tr><td data-label=\"Check\">\(HTML.escape(finding.check))</td><td data-label=\"Finding\">\(HTML.escape(finding.summary))</td>"
                + "<td data-label=\"Command\"><pre class=\"command\">\(HTML.escape(finding.command))</pre></td></tr>"
        }.joined(separator: "\n")
        return """
            <table><caption>\(HTML.count(findings.count, "finding")), each with the command that addresses it</caption>
            <thead><tr><th scope="col">Check</th><th scope="col">Finding</th><th scope="col">Command</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    /// "stuck job" → "stuck jobs", "job with dead letters" → "jobs with dead
    /// letters": the counted word is the one before its qualifier.
    static func plural(_ noun: String, _ count: Int) -> String {
        guard count != 1 else { return noun }
        var words = noun.split(separator: " ").map(String.init)
        let qualifiers: Set<String> = ["with", "waiting", "overdue", "gone"]
        let counted = (words.firstIndex(where: qualifiers.contains) ?? words.count) - 1
        words[counted] += "s"
        return words.joined(separator: " ")
    }
}
