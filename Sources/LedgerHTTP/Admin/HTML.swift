import Foundation
import Hummingbird
import LedgerCore
import NIOCore

/// Server-rendered HTML for the admin pages: no JavaScript, no
/// CDN, assets served by the ledger itself, usable with a keyboard (real links
/// and forms, a skip link, labels on every field).
enum HTML {
    /// Text made safe for HTML content and attribute values. Bidirectional
    /// controls are shown as `[U+202E]`: text from providers and apps is shown
    /// here, and an override inside it would make an operator read
    /// `detelpmoc` as "completed", or a refund's evidence backwards.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case _ where bidiControls.contains(scalar.value): result += "[U+\(String(scalar.value, radix: 16, uppercase: true))]"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The marks, embeddings, overrides and isolates of the Unicode bidirectional algorithm.
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                            0x2066, 0x2067, 0x2068, 0x2069]

    /// What every admin page is sent with: its own assets only, never framed by
    /// another page (a frame over a form is a click an admin did not mean),
    /// never kept by a browser or proxy (Back after signing out shows nothing),
    /// no address sent to other sites.
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .init("content-security-policy")!: "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            + "form-action 'self'; base-uri 'none'",
        .init("x-frame-options")!: "DENY",
        .cacheControl: "no-store",
        .init("referrer-policy")!: "same-origin",
        .init("x-content-type-options")!: "nosniff",
    ]

    /// The menu of a signed-in page.
    static let navigation = """
        <nav aria-label="Admin"><a href="/admin">Attention</a> <a href="/admin/jobs">Jobs</a> <a href="/admin/stuck">Stuck</a>
        <a href="/admin/dead-letters">Dead letters</a> <a href="/admin/deliveries">Deliveries</a> <a href="/admin/orphans">Orphans</a>
        <a href="/admin/providers">Providers</a>
        <a href="/admin/refunds">Refunds</a> <a href="/admin/accounts">Accounts</a>
        <form method="post" action="/admin/logout" class="signout"><button type="submit">Sign out</button></form></nav>
        """

    /// The `ledger` commands that show the same as a page, for a terminal: every
    /// page names them, so what an operator finds here they can script there.
    static func terminal(_ commands: [String]) -> String {
        "<p>The same from a terminal:</p>\n<pre class=\"command\">" + commands.map(escape).joined(separator: "\n") + "</pre>"
    }

    /// A whole page, with the menu unless it is for someone not signed in
    /// (the sign-in page: a menu of pages that would send them back, and a
    /// "Sign out", would only be controls to tab past).
    static func page(_ title: String, _ body: String, status: HTTPResponse.Status = .ok, signedIn: Bool = true) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Completion Ledger</title><link rel="stylesheet" href="/admin/assets/ledger.css"></head>
            <body><a class="skip" href="#main">Skip to content</a>
            \(signedIn ? navigation : "")
            <main id="main"><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
        return Response(status: status, headers: pageHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
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
