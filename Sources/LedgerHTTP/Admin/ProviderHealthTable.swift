import LedgerCore
import LedgerStore

/// The `provider_health` view turned on its side: one column per provider,
/// one row per measure. Fifteen measures do not fit across a screen; a
/// handful of providers do, and at 390 px each measure becomes a card with
/// every provider's value labelled.
struct ProviderHealthTable {
    /// `provider` first, then the measures.
    let health: ReadTable
    let now: Timestamp

    var html: String {
        guard !health.rows.isEmpty else {
            return "<p class=\"empty\"><strong>Per provider</strong>: no provider has sent a webhook or been polled yet.</p>"
        }
        let providers = health.records.map { $0["provider"] ?? "" }
        let head = "<th scope=\"col\">Measure</th>" + providers.map { provider -> String in "<th scope=\"col\">\(HTML.escape(provider))</th>" }.joined()
        let body = health.columns.indices.dropFirst().map { column -> String in
            let measure = health.columns[column]
            let cells = health.rows.indices.map { row -> String in
                TableCell.html(health.rows[row][column], column: measure, now: now, link: nil, label: providers[row])
            }.joined()
            return "<tr><th scope=\"row\">\(HTML.escape(TableCell.label(measure)))</th>\(cells)</tr>"
        }.joined(separator: "\n")
        return """
            <table class="measures"><caption>Per provider, since the log began</caption><thead><tr>\(head)</tr></thead>
            <tbody>\(body)</tbody></table>
            """
    }
}
