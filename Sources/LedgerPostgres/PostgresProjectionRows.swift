import LedgerCore
import LedgerStore

/// Job rows and summed projection changes as the JSON arrays of rows
/// `ledger_write_projections` reads (the jobs with `json_to_recordset`, the
/// changes parsed once with `jsonb_to_recordset`): nulls as JSON nulls,
/// which PostgreSQL's arrays of a bound parameter cannot carry.
///
/// PostgreSQL's text holds no NUL: a provider's text with one made the
/// batch's projections fail with 22P05, so the webhook could never be
/// recorded. A NUL character of any text value reaches the document as a
/// `\u0000` escape, which one pass over the whole document writes
/// `\uFFFD`: what ``ProjectionText/shown(_:)-(String)`` makes of each value
/// on SQLite, for every value at once (a JSON column's own escapes are
/// already rewritten in its row, ``ProjectionText/shownJSON(_:)``).
enum PostgresProjectionRows {
    /// The jobs' `projection_jobs` rows, column for column (``JobState/columns``),
    /// written straight into bytes: a batch's rows are on the commit's path.
    static func jobs(_ jobs: [JobState]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(jobs.count * 640)
        for (index, job) in jobs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            for (offset, (column, value)) in zip(columnKeys, job.rowValues).enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: column)
                switch value {
                case .null: out.append(contentsOf: "null".utf8)
                case .integer(let integer): out.append(contentsOf: String(integer).utf8)
                case .text(let text): JSONWriter.appendString(text, to: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: ProjectionText.withoutNULEscapes(out), as: UTF8.self)
    }

    /// Each column's name as a JSON key followed by its colon.
    private static let columnKeys: [[UInt8]] = JobState.columns.map { Array("\"\($0)\":".utf8) }

    static func changes(_ delta: ProjectionDelta) -> String {
        JSONValue.object([
            "accounts": .array(delta.accounts.values.map { account in
                .object(["account": .string(account.account), "charged": .int(account.charged),
                         "refunded": .int(account.refunded), "recharged": .int(account.recharged)])
            }),
            "providers": .array(delta.providers.values.map(provider)),
            "unknown_statuses": .array(delta.unknownStatuses.map { key, tally in
                .object(["provider": .string(key.provider), "raw_status": .string(key.rawStatus), "reports": .int(tally.count),
                         "last_seen_at": .string(tally.lastSeenAt.iso8601)])
            }),
            "orphans": .array(delta.orphans.map { orphan in
                .object(["position": .int(orphan.position), "provider": .string(orphan.provider),
                         "external_id": .string(orphan.externalID), "delivery_id": .string(orphan.deliveryID),
                         "body_sha256": .string(orphan.bodySHA256), "duplicate": .bool(orphan.duplicate),
                         "received_at": .string(orphan.receivedAt.iso8601)])
            }),
            "notifications": rows(delta.notifications.values),
            "attempts": rows(delta.attempts.values),
            "settlements": .array(delta.settlements.map { settlement in
                .object(["position": .int(settlement.position), "notification_id": .string(settlement.notificationID),
                         "outcome": .string(settlement.outcome.rawValue)])
            }),
            "refunds": rows(delta.refunds),
            "late_completions": rows(delta.lateCompletions),
            "conflicts": rows(delta.conflicts),
            "late_webhooks": rows(delta.lateWebhooks),
            "adoptions": .array(delta.adoptions.map { adoption in
                .object(["position": .int(adoption.orphanPosition), "adopted_job_id": .string(adoption.jobID),
                         "adopted_position": .int(adoption.position)])
            }),
        ]).jsonText.withNULsReplaced
    }

    /// Rows of the fold's own tables as JSON objects of their columns.
    private static func rows<Row: ProjectionRow>(_ rows: some Sequence<Row>) -> JSONValue {
        .array(rows.map { row in .object(Dictionary(uniqueKeysWithValues: zip(Row.columns, row.rowValues.map(\.jsonValue)))) })
    }

    private static func provider(_ counts: Contribution.Provider) -> JSONValue {
        let bySource = counts.terminalBySource
        return .object([
            "provider": .string(counts.provider), "webhooks": .int(counts.webhooks), "duplicates": .int(counts.duplicates),
            "orphans": .int(counts.orphans), "late_webhooks": .int(counts.lateWebhooks), "conflicts": .int(counts.conflicts),
            "terminal_webhook": .int(bySource[.webhook] ?? 0), "terminal_poll": .int(bySource[.poll] ?? 0),
            "terminal_watchdog": .int(bySource[.watchdog] ?? 0), "terminal_manual": .int(bySource[.manual] ?? 0),
            "terminal_app": .int(bySource[.app] ?? 0), "last_webhook_at": counts.lastWebhookAt.map { .string($0.iso8601) } ?? .null,
        ])
    }
}

private extension SQLValue {
    var jsonValue: JSONValue {
        switch self {
        case .null: .null
        case .integer(let integer): .int(integer)
        case .text(let text): .string(text)
        }
    }
}

private extension String {
    var withNULsReplaced: String {
        var text = self
        guard text.withUTF8(ProjectionText.firstNULEscape) != nil else { return self }
        return String(decoding: ProjectionText.withoutNULEscapes(Array(utf8)), as: UTF8.self)
    }
}
