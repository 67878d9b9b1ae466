import Foundation
import LedgerCore
import LedgerStore

/// One job's history: each event beside what it changed, its data
/// pretty-printed and folded, evidence positions linked to the events they
/// name, and the same history's commands for a terminal.
struct TimelinePage {
    let jobID: String
    let timeline: JobTimeline
    let now: Timestamp

    var html: String {
        var previous = JobState(jobID: jobID)
        var rows: [String] = []
        for step in timeline.steps {
            let state = step.state
            let changes = Self.changes(from: previous, to: state)
            previous = state
            let position = step.stored.position
            rows.append("""
                <tr id="event-\(position)"\(changes.isEmpty ? "" : " class=\"changed\"")><td class="num" data-label="Position">\(position)</td>
                \(TableCell.html(step.stored.recordedAt, column: "recorded_at", now: now, link: nil))
                <td data-label="Event">\(HTML.escape(step.stored.type))</td><td data-label="Data">\(Self.folded(step.stored.data))</td>
                <td class="change" data-label="Change">\(HTML.escape(changes.joined(separator: "; ")))</td>
                \(TableCell.html(state.status.rawValue, column: "status", now: nil, link: nil))</tr>
                """)
        }
        let final = timeline.state
        return """
            <p>Provider <strong>\(HTML.escape(final.provider))</strong>, account <strong>\(HTML.escape(final.account))</strong>,
            status <strong>\(HTML.escape(final.status.rawValue))</strong>\(final.completionSource.map { " (by \(HTML.escape($0.rawValue)))" } ?? ""),
            cost \(final.cost), refunded \(final.refundedAmount), recharged \(final.rechargedAmount).</p>
            \(HTML.terminal(["ledger replay \(Self.shellWord(jobID))", "ledger redrive \(Self.shellWord(jobID)) --action poll --dry-run"]))
            <table><caption>Timeline: each event, and what it changed</caption>
            <thead><tr><th scope="col">Position</th><th scope="col">Recorded at</th><th scope="col">Event</th><th scope="col">Data</th>
            <th scope="col">Change</th><th scope="col">Status after</th></tr></thead><tbody>
            \(rows.joined(separator: "\n"))
            </tbody></table>
            """
    }

    /// An event's data pretty-printed and folded under its first line; an
    /// `evidence_position` links to the event it names on this timeline.
    static func folded(_ data: String) -> String {
        let pretty = (try? JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed]))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) }
            .map { String(decoding: $0, as: UTF8.self) } ?? data
        var summary = HTML.escape(String(data.prefix(80))) + (data.count > 80 ? "…" : "")
        if let evidence = JSONValue(jsonText: data)?["evidence_position"], case .int(let position) = evidence {
            summary += " <a href=\"#event-\(position)\">evidence: event \(position)</a>"
        }
        return "<details><summary><code>\(summary)</code></summary><pre>\(HTML.escape(pretty))</pre></details>"
    }

    /// A job id as one shell word (quoted unless it is plain).
    static func shellWord(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// What changed between two states, in words.
    static func changes(from before: JobState, to after: JobState) -> [String] {
        var changes: [String] = []
        if before.status != after.status { changes.append("status \(before.status.rawValue) → \(after.status.rawValue)") }
        if before.refundedAmount != after.refundedAmount { changes.append("refunded \(after.refundedAmount - before.refundedAmount)") }
        if before.rechargedAmount != after.rechargedAmount { changes.append("recharged \(after.rechargedAmount - before.rechargedAmount)") }
        if before.externalID != after.externalID, let id = after.externalID { changes.append("external id \(id)") }
        if before.lateCompletedAt == nil, after.lateCompletedAt != nil { changes.append("late completion") }
        if after.duplicateCount > before.duplicateCount { changes.append("duplicate") }
        if after.conflictCount > before.conflictCount { changes.append("conflict") }
        return changes
    }
}
