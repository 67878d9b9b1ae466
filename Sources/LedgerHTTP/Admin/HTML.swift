import Foundation
import Hummingbird
import LedgerCore
import NIOCore

/// Server-rendered HTML for the admin pages: no JavaScript, no
/// CDN, assets served by the ledger itself, usable with a keyboard (real links
/// and forms, a skip link, labels on every field).
enum HTML {
    /// Text made safe for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A whole page with the navigation.
    static func page(_ title: String, _ body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Completion Ledger</title><link rel="stylesheet" href="/admin/assets/ledger.css"></head>
            <body><a class="skip" href="#main">Skip to content</a>
            <nav aria-label="Admin"><a href="/admin">Attention</a> <a href="/admin/jobs">Jobs</a> <a href="/admin/stuck">Stuck</a>
            <a href="/admin/dead-letters">Dead letters</a> <a href="/admin/deliveries">Deliveries</a> <a href="/admin/orphans">Orphans</a>
            <a href="/admin/providers">Providers</a>
            <a href="/admin/refunds">Refunds</a> <a href="/admin/accounts">Accounts</a>
            <form method="post" action="/admin/logout" class="signout"><button type="submit">Sign out</button></form></nav>
            <main id="main"><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .init("content-security-policy")!: "default-src 'self'; style-src 'self'; img-src 'self' data:"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A table of rows (already strings), every cell escaped and shown for a
    /// person (``TableCell``); `link` turns a column into links; `empty` says
    /// what would be there when there is nothing.
    static func table(_ columns: [String], _ rows: [[String?]], caption: String,
                      links: [Int: @Sendable ([String?]) -> String?] = [:], now: Timestamp? = nil, empty: String? = nil) -> String {
        guard !rows.isEmpty else {
            return "<p class=\"empty\"><strong>\(escape(caption))</strong>: \(escape(empty ?? "nothing yet."))</p>"
        }
        let head = columns.map { column in
            "<th scope=\"col\">\(escape(TableCell.label(column)))</th>"
        }.joined()
        let body = rows.map { row in
            "<tr>" + row.enumerated().map { index, cell in
                let column = index < columns.count ? columns[index] : ""
                return TableCell.html(cell, column: column, now: now, link: links[index].flatMap { $0(row) }.map(escape))
            }.joined() + "</tr>"
        }.joined(separator: "\n")
        return "<table><caption>\(escape(caption))</caption><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    /// A job's timeline (the id as one path segment, whatever it holds).
    static func jobPath(_ jobID: String) -> String {
        "/admin/jobs/" + (jobID.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? "")
    }

    /// `links` for a table whose `column` holds job ids: each to its timeline.
    static func jobLinks(_ column: Int) -> [Int: @Sendable ([String?]) -> String?] {
        [column: { row in row[column].map(jobPath) }]
    }

    /// "1 job", "3 jobs".
    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
