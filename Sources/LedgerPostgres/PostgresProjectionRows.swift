import LedgerCore
import LedgerStore

/// Job rows and summed projection changes as the JSON arrays of rows
/// `ledger_write_projections` reads with `json_to_recordset` (nulls as JSON
/// nulls, which PostgreSQL's arrays of a bound parameter cannot carry).
enum PostgresProjectionRows {
    /// The jobs' `projection_jobs` rows, column for column (``JobState/columns``).
    static func jobs(_ jobs: [JobState]) -> String {
        JSONValue.array(jobs.map { job in
            .object(Dictionary(uniqueKeysWithValues: zip(JobState.columns, job.rowValues.map(json))))
        }).jsonText
    }

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
            "adoptions": .array(delta.adoptions.map { adoption in
                .object(["position": .int(adoption.orphanPosition), "adopted_job_id": .string(adoption.jobID),
                         "adopted_position": .int(adoption.position)])
            }),
        ]).jsonText
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

    private static func json(_ value: SQLValue) -> JSONValue {
        switch value {
        case .null: .null
        case .integer(let integer): .int(integer)
        case .text(let text): .string(text)
        }
    }
}
