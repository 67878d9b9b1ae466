import LedgerCore
import LedgerStore

/// The `provider_health` view turned on its side: one column per provider,
/// one row per measure. Fifteen measures do not fit across a screen; a
/// handful of providers do, and at 390 px each measure becomes a card with
/// every provider's value labelled.
struct ProviderHealthTable {
    let health: [ProviderHealthRow]
    let now: Timestamp

    var html: String {
        let measures = health.map(\.measures)
        guard let columns = measures.first?.map(\.column) else {
            return "<p class=\"empty\"><strong>Per provider</strong>: no provider has sent a webhook or been polled yet.</p>"
        }
        let head = "<th scope=\"col\">Measure</th>" + health.map { "<th scope=\"col\">\(HTML.escape($0.provider))</th>" }.joined()
        let body = columns.indices.map { index -> String in
            let column = columns[index]
            let cells = health.indices.map { row -> String in
                TableCell.html(Self.text(measures[row][index].value), column: column, now: now, link: nil, label: health[row].provider)
            }.joined()
            return "<tr><th scope=\"row\">\(HTML.escape(TableCell.label(column)))</th>\(cells)</tr>"
        }.joined(separator: "\n")
        return """
            <table class="measures"><caption>Per provider, since the log began</caption><thead><tr>\(head)</tr></thead>
            <tbody>\(body)</tbody></table>
            """
    }

    /// A measure as the table cells read it: a string as it is, a number as
    /// JSON writes it, nil for none.
    private static func text(_ value: JSONValue) -> String? {
        value.isNull ? nil : value.stringValue ?? value.jsonText
    }
}
