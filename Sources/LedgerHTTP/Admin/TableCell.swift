import LedgerCore

/// How one value of a read model is shown to a person: times as "4 min ago"
/// with the exact UTC time beside them, numbers right-aligned, statuses as a
/// labelled badge, and column names in words.
enum TableCell {
    /// The column's label in words (`evidence_recorded_at` is "Evidence recorded at").
    static func label(_ column: String) -> String {
        if let word = labels[column] { return word }
        let words = column.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    private static let labels: [String: String] = [
        "job_id": "Job", "external_id": "Provider's id", "completion_source": "Completed by", "poll_share": "Poll share",
        "reported_status": "Provider said", "raw_status": "Provider's word", "evidence_position": "Evidence event",
        "detection_latency_s": "Time to detect", "mean_detection_latency_s": "Mean time to detect",
        "net": "Net", "recharged": "Recharged", "last_event_at": "Last change",
        "completions_webhook": "Ended by webhook", "completions_poll": "Ended by poll", "completions_watchdog": "Ended by the watchdog",
        "completions_manual": "Resolved by an operator", "completions_app": "Ended by the app",
        "detection_latency_p50_s": "Time to detect, median", "detection_latency_p95_s": "Time to detect, 95th percentile",
        "late_webhooks": "Webhooks after the outcome", "last_webhook_at": "Last webhook", "unknown_statuses": "Unknown status reports",
        "age_s": "Age", "oldest_age_s": "Oldest",
        "attempted_at": "Attempted", "notification_id": "Notification", "http_status": "App answered",
        "latency_ms": "App took (ms)", "error": "What went wrong", "dead_lettered_position": "Dead-letter event",
        "refund_position": "Refund event",
    ]

    /// Columns whose values are a status word, shown as a badge.
    static let statusColumns: Set<String> = ["status", "reported_status", "decision", "outcome"]

    /// The cell's HTML: escaped, with its column's label (or `label`) for narrow screens.
    static func html(_ value: String?, column: String, now: Timestamp?, link: String?, label given: String? = nil) -> String {
        let label = " data-label=\"\(HTML.escape(given ?? label(column)))\""
        guard let value, !value.isEmpty else { return "<td\(label)><span class=\"none\">—</span></td>" }
        var content = HTML.escape(value)
        var classes: [String] = []
        if isNumber(value) {
            classes.append("num")
            if column.hasSuffix("_s") || column == "seconds", let seconds = Double(value), seconds >= 90 {
                content = "\(ReadableDuration.text(seconds: seconds)) <small class=\"exact\">\(content) s</small>"
            } else if column.hasSuffix("_share"), let share = Double(value) {
                content = "\(Int((share * 100).rounded())) %"
            }
        } else if statusColumns.contains(column) {
            content = "<span class=\"badge \(HTML.escape(badgeClass(value)))\">\(content)</span>"
        } else if let time = Timestamp(iso8601: value), value.count >= 20 {
            content = "<time datetime=\"\(content)\" title=\"\(content)\">\(now.map { relative(time, now: $0) } ?? content)</time>"
                + (now == nil ? "" : " <small class=\"exact\">\(exactUTC(value))</small>")
        }
        if let link { content = "<a href=\"\(link)\">\(content)</a>" }
        let classAttribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
        // One element after the label, so a stacked cell keeps its value in one grid column.
        return "<td\(classAttribute)\(label)><span>\(content)</span></td>"
    }

    static func isNumber(_ text: String) -> Bool {
        Double(text) != nil && text.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" }
    }

    /// `2026-09-03T20:14:50.920Z` as `2026-09-03 20:14:50 UTC`: breaks at its
    /// spaces, and the milliseconds stay in the `<time>` element's title.
    static func exactUTC(_ iso8601: String) -> String {
        String(iso8601.prefix(19)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }


    /// "just now", "4 min ago", "3 h ago", "2 days ago", or "in 5 min" for a time ahead.
    static func relative(_ time: Timestamp, now: Timestamp) -> String {
        let seconds = (now.millisecondsSinceEpoch - time.millisecondsSinceEpoch) / 1000
        let magnitude = abs(seconds)
        let text = switch magnitude {
        case ..<45: "just now"
        case ..<5_400: "\(max(1, (magnitude + 30) / 60)) min"
        case ..<129_600: "\((magnitude + 1_800) / 3_600) h"
        default: "\((magnitude + 43_200) / 86_400) days"
        }
        if magnitude < 45 { return text }
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }

    static func badgeClass(_ status: String) -> String {
        switch status {
        case "completed", "delivered", "succeeded": "good"
        case "failed", "dead_lettered", "dead-lettered", "fail": "bad"
        case "cancelled", "unknown": "quiet"
        default: "open"
        }
    }
}
