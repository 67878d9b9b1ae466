import Foundation
import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresEventStore: ReadModels {
    /// A read model's SQL (``ReadModel/postgresSQL``) in a read-only
    /// transaction within a time budget, every value rendered as text.
    public func table(_ model: ReadModel) async throws(StoreError) -> ReadTable {
        model.judged(try await readOnlyTable(model.postgresSQL, budgetMilliseconds: 60_000))
    }

    func readOnlyTable(_ sql: String, budgetMilliseconds: Int) async throws(StoreError) -> ReadTable {
        let deadlines = ConnectionDeadlines(acquiring: ConnectionDeadlines.request.acquiring,
                                            finishing: .milliseconds(budgetMilliseconds) + .seconds(5))
        return try await reading(within: deadlines) { [self] connection in
            try await run("BEGIN READ ONLY", on: connection, logger: logger)
            do {
                try await run("SET LOCAL statement_timeout = \(max(1, budgetMilliseconds))", on: connection, logger: logger)
                let found = try await rows(sql, on: connection, logger: logger)
                try await run("COMMIT", on: connection, logger: logger)
                let columns = found.first.map { row in row.map(\.columnName) } ?? []
                return ReadTable(columns: columns, rows: found.map { row in row.map(Self.text(of:)) },
                                 numberColumns: PostgresCellText.numberColumns(found.first))
            } catch {
                await rollBack(on: connection, logger: logger)
                throw error
            }
        }
    }

    /// A cell as the text the SQLite engine gives for the same value:
    /// integers and reals in decimal, booleans as 1 and 0.
    static func text(of cell: PostgresCell) -> String? { PostgresCellText.text(of: cell) }

    public func jobs(_ filter: JobFilter, after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState] {
        precondition((1...JobFilter.rowsReadMax).contains(limit), "a read holds 1 to \(JobFilter.rowsReadMax) jobs")
        var conditions = ["job_id > $1"]
        var values: [PostgresArgument] = [.text(afterJobID ?? "")]
        for condition in filter.conditions {
            values.append(.text(condition.value))
            conditions.append(condition.sql.replacingOccurrences(of: "?", with: "$\(values.count)"))
        }
        values.append(.integer(Int64(limit)))
        return try await jobRows(where: conditions.joined(separator: " AND ") + " ORDER BY job_id LIMIT $\(values.count)", values)
    }

    public func openJobs(after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState] {
        try await jobRows(where: "status IN ('registered', 'processing') AND job_id > $1 ORDER BY job_id LIMIT $2",
                          [.text(afterJobID ?? ""), .integer(Int64(limit))])
    }

    func jobRows(where condition: String, _ values: [PostgresArgument]) async throws(StoreError) -> [JobState] {
        try await reading { [self] connection in
            try await rows("SELECT \(Self.jobSelectList) FROM projection_jobs WHERE \(condition)", values,
                           on: connection, logger: logger).map(JobState.init(reading:))
        }
    }

    static let jobSelectList = selectList(JobState.columns, json: ["outputs", "late_outputs"])

    public func account(_ account: String) async throws(StoreError) -> AccountBalance? {
        try await reading { [self] connection in
            try await rows("SELECT charged, refunded, recharged FROM projection_accounts WHERE account = $1", [.text(account)],
                           on: connection, logger: logger).first.map { row in
                let charged = row.integer("charged") ?? 0, refunded = row.integer("refunded") ?? 0
                let recharged = row.integer("recharged") ?? 0
                return AccountBalance(account: account, charged: charged, refunded: refunded, recharged: recharged,
                                      net: charged - refunded + recharged)
            }
        }
    }

    public func totals() async throws(StoreError) -> LedgerTotals {
        try await reading { [self] connection in
            var totals = LedgerTotals()
            for row in try await rows("SELECT status, count(*) AS jobs FROM projection_jobs GROUP BY status",
                                      on: connection, logger: logger) {
                guard let status = row.text("status").flatMap(JobStatus.init(rawValue:)) else { continue }
                totals.jobsByStatus[status] = row.integer("jobs") ?? 0
            }
            let sums = try await rows("""
                SELECT count(*) FILTER (WHERE refunded_amount > 0) AS refunds,
                       least(coalesce(sum(refunded_amount), 0), \(LedgerTotals.creditsMax))::bigint AS credits, coalesce(sum(conflict_count), 0)::bigint AS conflicts,
                       (SELECT count(*) FROM projection_orphans WHERE adopted_job_id IS NULL AND NOT duplicate) AS orphans,
                       (SELECT position FROM ledger_head WHERE id = 0) AS position,
                       pg_database_size(current_database()) AS database_bytes
                FROM projection_jobs
                """, on: connection, logger: logger).first
            totals.refunds = sums?.integer("refunds") ?? 0
            totals.refundedCredits = sums?.integer("credits") ?? 0
            totals.conflicts = sums?.integer("conflicts") ?? 0
            totals.orphansUnadopted = sums?.integer("orphans") ?? 0
            totals.position = sums?.integer("position") ?? 0
            totals.databaseBytes = sums?.integer("database_bytes") ?? 0
            let notifications = try await rows(NotificationReads.stageCountsSQL, on: connection, logger: logger).first
            totals.notificationsOpen = notifications?.integer("open") ?? 0
            totals.notificationsDeadLettered = notifications?.integer("dead_lettered") ?? 0
            let sources = ["webhook", "poll", "watchdog", "manual", "app"]
            for row in try await rows("SELECT provider, \(sources.map { "terminal_\($0)" }.joined(separator: ", ")) FROM projection_provider_health",
                                      on: connection, logger: logger) {
                guard let provider = row.text("provider") else { continue }
                let counts = sources.map { row.integer("terminal_\($0)") ?? 0 }
                totals.outcomesByProvider[provider] = Dictionary(uniqueKeysWithValues: zip(sources, counts))
                if counts[0] + counts[1] > 0 { totals.pollShare[provider] = Double(counts[1]) / Double(counts[0] + counts[1]) }
            }
            for row in try await rows("SELECT provider, sum(reports)::bigint AS reports FROM projection_unknown_statuses GROUP BY provider",
                                      on: connection, logger: logger) {
                if let provider = row.text("provider") { totals.unknownStatusesByProvider[provider] = row.integer("reports") ?? 0 }
            }
            return totals
        }
    }

    public func foldedJob(_ jobID: String) async throws(StoreError) -> JobState? {
        try await replay(jobID: jobID, until: .none).map(\.state)
    }

    /// The open notifications queued after `position`, in the order they
    /// were queued (``NotificationReads``): the notifier's outbox.
    public func openNotifications(after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation] {
        try await reading { [self] connection in
            try await rows(NotificationReads.openSQL(after: position, limit: limit), on: connection, logger: logger)
                .map { NotificationReads.location($0) }
        }
    }

    public func lastQueuedNotificationPosition() async throws(StoreError) -> Int64 {
        try await reading { [self] connection in
            try await rows(NotificationReads.lastQueuedSQL, on: connection, logger: logger).first?.integer("position") ?? 0
        }
    }

    public func replay(jobID: String, until limit: ReplayLimit) async throws(StoreError) -> JobTimeline? {
        try JobTimeline.folding(jobID: jobID, try await events(inStream: StreamName.job(jobID)), until: limit)
    }

    /// The job after it next changes on any node (``ChangeChannel``), or as
    /// it is after `timeout`.
    public func jobAfterChange(_ jobID: String, timeout: Duration) async throws(StoreError) -> JobState? {
        let ticket = changes.subscribe(jobID)
        _ = await changes.wait(ticket, timeout: timeout)
        return try await job(jobID)
    }

    public func releaseWaiters() {
        changes.releaseAll()
    }
}
