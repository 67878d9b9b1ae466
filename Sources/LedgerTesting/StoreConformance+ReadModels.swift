import Foundation
import LedgerCore
import LedgerStore

extension StoreConformance {
    /// A ledger with one of everything the read models answer about: jobs in
    /// every status, an orphan and its duplicate, a refund, a late completion,
    /// an unknown status word, a dead-lettered and an open notification.
    static func busyLedger(_ store: any LedgerEngine) async throws {
        let app = Fixtures.app
        _ = try await store.execute(Fixtures.register("done", cost: 5, externalID: "x-done"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-done", .completed, delivery: "d1",
                                                                      outputs: .array([.string("https://cdn.example/1.mp4")]))))
        _ = try await store.execute(Fixtures.register("lost", cost: 7, externalID: "x-lost"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-lost", .failed, delivery: "d2")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-lost", .completed, delivery: "d3")))
        _ = try await store.execute(Fixtures.register("open", cost: 3, externalID: "x-open"))
        var paused = Fixtures.webhook("x-open", .unknown, delivery: "d4")
        paused.rawStatus = "paused"
        _ = try await store.execute(Fixtures.deliver(paused))
        _ = try await store.execute(Fixtures.register("queued", cost: 1))
        let orphan = Fixtures.webhook("x-nobody", .completed, delivery: "d5")
        _ = try await store.execute(Fixtures.deliver(orphan))
        _ = try await store.execute(Fixtures.deliver(orphan))
        for (id, last) in [("ntf_dead", true), ("ntf_open", false)] {
            _ = try await store.execute(.job(jobID: "done", command: .notification(.queue(notificationID: id, event: "job.completed")),
                                             metadata: app))
            _ = try await store.execute(.job(jobID: "done", command: .notification(.attempted(notificationID: id, httpStatus: 500,
                                                                                              error: "down", attemptsMax: last ? 1 : 8)),
                                             metadata: app))
        }
    }

    /// Job `j1`, completed, with a delivered, a dead-lettered, a revived
    /// (dead-lettered, then queued again) and an open notification.
    public static func notificationsOfEveryStage(_ store: any LedgerEngine) async throws {
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "x1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .completed, delivery: "d1")))
        func step(_ command: NotificationCommand) async throws {
            _ = try await store.execute(.job(jobID: "j1", command: .notification(command), metadata: Fixtures.app))
        }
        for id in ["ntf_ok", "ntf_dead", "ntf_revived", "ntf_open"] {
            try await step(.queue(notificationID: id, event: "job.completed"))
        }
        try await step(.attempted(notificationID: "ntf_ok", httpStatus: 200, error: nil, attemptsMax: 3))
        try await step(.attempted(notificationID: "ntf_dead", httpStatus: 500, error: "down", attemptsMax: 1))
        try await step(.attempted(notificationID: "ntf_revived", httpStatus: 500, error: "down", attemptsMax: 1))
        try await step(.queue(notificationID: "ntf_revived", event: "job.completed"))
        try await step(.attempted(notificationID: "ntf_open", httpStatus: 503, error: "busy", attemptsMax: 8))
    }

    /// Open jobs at every point of the watchdog's rule, a few milliseconds
    /// apart: never submitted; submitted at registration; submitted later;
    /// reported on by its provider without an external id (a provider that
    /// matches by our job id); and one finished.
    static func stuckCandidates(_ store: any LedgerEngine) async throws {
        let requests: [LedgerRequest] = [
            Fixtures.register("waiting", cost: 1), Fixtures.register("sent", cost: 1, externalID: "x-sent"),
            Fixtures.register("sent-later", cost: 1), Fixtures.submit("sent-later", "x-later"),
            Fixtures.register("by-job-id", cost: 1),
            .job(jobID: "by-job-id", command: .poll(Fixtures.poll(.processing)), metadata: Fixtures.app),
            Fixtures.register("finished", cost: 1, externalID: "x-finished"),
            Fixtures.deliver(Fixtures.webhook("x-finished", .completed, delivery: "d-finished")),
        ]
        for request in requests {
            _ = try await store.execute(request)
            try await Task.sleep(for: .milliseconds(3))
        }
    }

    static let readModelChecks: [Check<any LedgerEngine>] = [
        Check(name: "every read model answers, with the facts it is about") { store in
            try await busyLedger(store)
            let later = Timestamp(Date()).adding(milliseconds: 30 * 86_400_000)
            let models: [ReadModel] = AuditReport.allCases.map { .audit($0, from: nil, to: nil, limit: 500) } + [
                .jobsByStatus, .recentJobs(limit: 10), .balances(limit: 10), .providerHealth,
                .detectionLatencyByDay(limit: 10), .outcomesBySourceByDay(limit: 10), .webhookLateness,
                .unknownStatuses(seenFrom: nil, seenTo: nil), .deadLetters(limit: 10), .stuckJobs(at: later, policy: .standard),
                .waitingOrphans(receivedBefore: later), .overdueNotifications(queuedBefore: later),
                .stuckList(at: later, policy: .standard, registeredFrom: nil, registeredTo: nil),
                .silentWebhooks(pollsSince: Timestamp(millisecondsSinceEpoch: 0), webhooksBefore: later),
            ]
            var answers: [ReadModel: ReadTable] = [:]
            for model in models { answers[model] = try await store.table(model) }
            func rows(_ model: ReadModel) -> [[String?]] { answers[model]?.rows ?? [] }
            try expect(rows(.jobsByStatus).count == 4, "four statuses: \(rows(.jobsByStatus))")
            try expect(rows(.audit(.refunds, from: nil, to: nil, limit: 500)).count == 1, "one refund")
            try expect(rows(.audit(.lateCompletions, from: nil, to: nil, limit: 500)).count == 1, "one late completion")
            try expect(rows(.audit(.orphans, from: nil, to: nil, limit: 500)).count == 2, "an orphan and its duplicate")
            try expect(rows(.unknownStatuses(seenFrom: nil, seenTo: nil)).map { $0[1] } == ["paused"], "the unknown word")
            try expect(rows(.deadLetters(limit: 10)).map { $0[1] } == ["ntf_dead"], "the dead letter")
            try expect(rows(.overdueNotifications(queuedBefore: later)).first?.first == "1", "one open notification")
            try expect(rows(.waitingOrphans(receivedBefore: later)).first?.last == "1", "one waiting orphan")
            try expect(Set(rows(.stuckJobs(at: later, policy: .standard)).compactMap { $0.first ?? nil }) == ["processing", "registered"], "stuck jobs")
            let stuck = answers[.stuckList(at: later, policy: .standard, registeredFrom: nil, registeredTo: nil)]?.records ?? []
            try expect(Set(stuck.compactMap { $0["job_id"] }) == ["open", "queued"] && stuck.allSatisfy { $0.count("age_s") > 86_400 },
                       "the stuck list, aged: \(stuck.map { ($0["job_id"], $0["reason"], $0["age_s"]) })")
            try expect(rows(.balances(limit: 10)).count == 1 && rows(.recentJobs(limit: 10)).count == 4, "balances and recent jobs")
        },
        Check(name: "lateness and silent webhooks are read from the facts the fold kept") { store in
            // A job a poll completed, then two webhooks for it (one a
            // duplicate), and a job whose webhook completed it.
            _ = try await store.execute(Fixtures.register("polled", cost: 1, externalID: "x-polled"))
            _ = try await store.execute(.job(jobID: "polled", command: .poll(Fixtures.poll(.completed)), metadata: Fixtures.app))
            try await Task.sleep(for: .milliseconds(160))
            let late = Fixtures.webhook("x-polled", .completed, delivery: "d-late")
            _ = try await store.execute(Fixtures.deliver(late))
            _ = try await store.execute(Fixtures.deliver(late))
            _ = try await store.execute(Fixtures.register("pushed", cost: 1, externalID: "x-pushed"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-pushed", .completed, delivery: "d-pushed")))
            let lateness = try await store.table(.webhookLateness).records
            try expect(lateness.count == 1 && lateness.first?.count("late_webhooks") == 1, "one late webhook: \(lateness)")
            let p50 = Double(lateness.first?["lateness_p50_s"] ?? "") ?? -1
            try expect(p50 >= 0.1 && p50 < 60, "late by the time between the poll and the webhook: \(lateness)")
            let health = try await store.providerHealth()
            try expect(health.first?.lateWebhooks == 1, "the provider counts the same late webhook: \(health)")
            try expect(health.first?.lastWebhookAt != nil && health.first?.completionsBySource[.poll] == 1
                       && health.first?.pollShare == 0.5 && health.first?.detectionLatencyP50Seconds != nil,
                       "each measure decoded from each dialect's text: \(health)")
            let columns = try await store.table(.providerHealth).columns
            try expect(columns == ["provider"] + (health.first?.measures.map(\.column) ?? []),
                       "the row names every column of the view, in its order: \(columns)")
            let polled = try await store.job("polled")
            guard let completedAt = polled?.completedAt else { throw ConformanceFailure("polled did not complete") }
            let far = completedAt.adding(milliseconds: 86_400_000)
            let silent = try await store.table(.silentWebhooks(pollsSince: completedAt, webhooksBefore: far)).records
            try expect(silent.map { $0["provider"] } == [polled?.provider] && silent.first?.count("completed_by_poll") == 1,
                       "one job completed by a poll since it did: \(silent)")
            let after = try await store.table(.silentWebhooks(pollsSince: completedAt.adding(milliseconds: 1), webhooksBefore: far))
            try expect(after.rows.isEmpty, "no poll completed a job since: \(after.rows)")
            let heard = try await store.table(.silentWebhooks(pollsSince: completedAt, webhooksBefore: completedAt))
            try expect(heard.rows.isEmpty, "a webhook came since: \(heard.rows)")
        },
        Check(name: "the stuck read model judges as the watchdog's policy does") { store in
            try await stuckCandidates(store)
            let jobs = try await store.jobs(JobFilter(), after: nil, limit: 100)
            let times = jobs.flatMap { [$0.registeredAt, $0.submittedAt] }.compactMap { $0 }
            guard let first = times.min(), let last = times.max() else { throw ConformanceFailure("no registration times") }
            var random = SeededGenerator(seed: 28)
            let span = last.millisecondsSinceEpoch - first.millisecondsSinceEpoch
            for _ in 0..<60 {
                let policy = WatchdogPolicy(stuckAfterMilliseconds: .random(in: 1...40, using: &random), deadlineMilliseconds: 86_400_000,
                                            submitDeadlineMilliseconds: .random(in: 1...40, using: &random))
                let at = first.adding(milliseconds: .random(in: -5...(span + 60), using: &random))
                var expected: [String: Int] = [:]
                for job in jobs where policy.look(at: job, now: at) != nil { expected[job.status.rawValue, default: 0] += 1 }
                var answered: [String: Int] = [:]
                for record in try await store.table(.stuckJobs(at: at, policy: policy)).records {
                    answered[record["status"] ?? "", default: 0] += record.count("jobs")
                }
                try expect(answered == expected, "at \(at.iso8601) under \(policy): the read model says \(answered), the policy \(expected)")
                let listed = try await store.table(.stuckList(at: at, policy: policy, registeredFrom: nil, registeredTo: nil)).records
                let stuck = Set(jobs.filter { policy.look(at: $0, now: at) != nil }.map(\.jobID))
                try expect(listed.compactMap { $0["job_id"] } == jobs.filter { stuck.contains($0.jobID) }
                    .sorted { (($0.submittedAt ?? $0.registeredAt)!, $0.jobID) < (($1.submittedAt ?? $1.registeredAt)!, $1.jobID) }.map(\.jobID),
                           "at \(at.iso8601) under \(policy): the list says \(listed.map { $0["job_id"] }), the policy \(stuck)")
                for record in listed {
                    guard let job = jobs.first(where: { $0.jobID == record["job_id"] }), let since = job.submittedAt ?? job.registeredAt else { continue }
                    let age = (at.millisecondsSinceEpoch - since.millisecondsSinceEpoch) / 1000
                    try expect(record["age_s"] == String(age), "\(job.jobID) waited \(age) s since \(since.iso8601): \(record["age_s"] ?? "nil")")
                }
            }
        },
        Check(name: "jobs, accounts, provider health and totals agree with the facts") { store in
            try await busyLedger(store)
            let failed = try await store.jobs(JobFilter(status: .failed), after: nil, limit: 10)
            try expect(failed.map(\.jobID) == ["lost"] && failed.first?.refundedAmount == 7, "the failed job")
            let page = try await store.jobs(JobFilter(), after: "lost", limit: 10)
            try expect(page.map(\.jobID) == ["open", "queued"], "keyset paging: \(page.map(\.jobID))")
            let all = try await store.jobs(JobFilter(), after: nil, limit: 10)
            guard let lost = all.first(where: { $0.jobID == "lost" })?.registeredAt else { throw ConformanceFailure("lost has no registration time") }
            let from = try await store.jobs(JobFilter(registeredFrom: lost), after: nil, limit: 10).map(\.jobID)
            let before = try await store.jobs(JobFilter(registeredBefore: lost), after: nil, limit: 10).map(\.jobID)
            try expect(from.contains("lost") && !before.contains("lost") && Set(from + before).count == all.count,
                       "registered from / before split the jobs: \(from) \(before)")
            if let lostJob = all.first(where: { $0.jobID == "lost" }), let externalID = lostJob.externalID {
                let found = try await store.jobs(JobFilter(provider: lostJob.provider, externalID: externalID), after: nil, limit: 10)
                try expect(found.map(\.jobID) == ["lost"], "found by the provider's id: \(found.map(\.jobID))")
            } else {
                throw ConformanceFailure("lost has no provider's id")
            }
            let balance = try await store.account("acct_1")
            try expect(balance?.charged == 16 && balance?.refunded == 7 && balance?.net == 9, "\(String(describing: balance))")
            let health = try await store.providerHealth()
            try expect(health.first?.unknownStatuses == 1 && health.first?.orphans == 2, "\(health)")
            // A second open notification: the two counts differ, so one cannot pass for the other.
            _ = try await store.execute(.job(jobID: "done", command: .notification(.queue(notificationID: "ntf_open_2", event: "job.completed")),
                                             metadata: Fixtures.app))
            let totals = try await store.totals()
            try expect(totals.refunds == 1 && totals.orphansUnadopted == 1 && totals.jobsByStatus[.processing] == 1, "\(totals)")
            try expect(totals.unknownStatusesByProvider["replicate"] == 1 && totals.position > 0, "\(totals)")
            try expect(totals.notificationsOpen == 2 && totals.notificationsDeadLettered == 1, "\(totals)")
        },
        Check(name: "each job's row is its fold, column for column, every column used") { store in
            // The row is written by each engine's own SQL (PostgreSQL names the 26 columns in a
            // function) and `rebuild --check` writes through the same SQL: only a fold compares.
            try await busyLedger(store)
            // `recharge` is the engine's option (the late completion here kept the refund): its credit event appended as is.
            let recharge = LedgerEvent.creditRecharged(CreditRecharged(account: "acct_1", amount: 7, evidencePosition: 1))
            _ = try await store.append(AppendRequest(stream: StreamName.job("lost"), events: [NewEvent(recharge, metadata: Fixtures.app)]))
            _ = try await store.execute(.job(jobID: "done", command: .poll(Fixtures.poll(.completed)), metadata: Fixtures.app))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-done", .completed, delivery: "d1")))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-done", .failed, delivery: "d6")))
            _ = try await store.execute(Fixtures.submit("queued", "x-queued"))
            _ = try await store.execute(Fixtures.register("late", cost: 4, externalID: "x-late"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-late", .failed, delivery: "d7")))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-late", .completed, delivery: "d8",
                                                                          outputs: .object(["video": .string("https://cdn.example/2.mp4")]))))
            _ = try await store.execute(Fixtures.register("gone", cost: 2))
            _ = try await store.execute(.job(jobID: "gone", command: .cancel(reason: "the user left"), metadata: Fixtures.app))
            var rows: [[SQLValue]] = []
            for jobID in ["done", "lost", "open", "queued", "gone", "late"] {
                guard let row = try await store.job(jobID), let fold = try await store.replay(jobID: jobID)?.state else {
                    throw ConformanceFailure("no job \(jobID)")
                }
                for (column, (stored, folded)) in zip(JobState.columns, zip(row.rowValues, fold.rowValues)) {
                    try expect(stored == folded, "\(jobID).\(column): the row holds \(stored), its fold \(folded)")
                }
                rows.append(row.rowValues)
            }
            for (index, column) in JobState.columns.enumerated() {
                try expect(rows.contains { $0[index] != .null && $0[index] != .integer(0) && $0[index] != .text("null") },
                           "no job here sets \(column): the check would not see it lost")
            }
        },
        Check(name: "the refunded credits metric is exact past 2^53") { store in
            // A double would give 9223372036854774784 for this one refund.
            let cost: Int64 = 9_223_372_036_854_775_000
            _ = try await store.execute(Fixtures.register("huge", cost: cost, externalID: "x-huge"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-huge", .failed, delivery: "d-huge")))
            let totals = try await store.totals()
            try expect(totals.refundedCredits == cost, "\(totals.refundedCredits)")
        },
        Check(name: "the refunded credits metric saturates instead of failing past 2^63-1") { store in
            // Each job and each account is valid alone (cost up to 2^63-1); their sum is not a 64-bit number.
            for (index, account) in ["acct_big_1", "acct_big_2"].enumerated() {
                _ = try await store.execute(Fixtures.register("big\(index)", cost: .max, externalID: "x-big\(index)", account: account))
                _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-big\(index)", .failed, delivery: "d-big\(index)")))
            }
            let totals = try await store.totals()
            try expect(totals.refunds == 2 && totals.refundedCredits == .max, "\(totals)")
            // Exact below the ceiling, past 2^53 too (a double would round it).

            // One account's charged total past 64 bits: that registration is refused, in the ledger's words.
            do {
                _ = try await store.execute(Fixtures.register("big-again", cost: .max, account: "acct_big_1"))
                throw ConformanceFailure("a charged total past 2^63-1 was stored")
            } catch let error as StoreError {
                try expect(error == .totalOutOfRange, "\(error)")
            }
            _ = try await store.execute(Fixtures.register("small", cost: 1, account: "acct_small"))
            let small = try await store.job("small"), refused = try await store.job("big-again")
            try expect(small != nil && refused == nil, "only the overflowing one refused")
            // Registrations that pass 2^63-1 only together, sent at once so that group commits join
            // them: a batch's own sum overflowed in memory and stopped the process (a trap).
            let quarter = Int64.max / 4 + 1
            let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        do {
                            _ = try await store.execute(Fixtures.register("q\(index)", cost: quarter, account: "acct_quarters"))
                            return true
                        } catch StoreError.invalidRequest(let detail) where detail.contains("2^63-1") { return false }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try expect(stored == 3, "three quarters fit in 64 bits, a fourth does not: \(stored) stored")
            // Nothing of the refused ones is in the log (a refusal met while recording once left its events in the batch).
            var quarterJobs = 0
            for index in 0..<16 where try await !store.events(inStream: StreamName.job("q\(index)")).isEmpty { quarterJobs += 1 }
            try expect(quarterJobs == 3, "\(quarterJobs) quarter jobs in the log")
            let sound = try await store.verify(progress: { _ in })
            try expect(sound.findings.isEmpty, "\(sound.findings)")
        },
        Check(name: "open jobs and open notifications find the background work") { store in
            try await busyLedger(store)
            var open: [String] = []
            try await store.forEachOpenJob { open.append($0.jobID) }
            try expect(open == ["open", "queued"], "open jobs \(open)")
            let notifications = try await store.openNotifications(after: 0, limit: 10)
            let last = try await store.lastQueuedNotificationPosition()
            try expect(notifications.count == 1 && notifications[0].position <= last && last > 0, "\(notifications), \(last)")
            let folded = try await store.foldedJob("done")
            try expect(folded?.notifications["ntf_dead"]?.stage == .deadLettered && folded?.notifications["ntf_open"]?.stage == .open,
                       "the outbox, folded")
        },
        Check(name: "replay gives each event with the state after it, up to a position") { store in
            try await busyLedger(store)
            let whole = try await store.replay(jobID: "lost", until: .none)
            let types = whole?.steps.map(\.stored.type) ?? []
            try expect(types == ["job.registered", "webhook.received", "job.failed", "credit.refunded", "webhook.received",
                                 "job.late_completion"], "the timeline: \(types)")
            let failedAt = try require(whole?.steps.first { $0.stored.type == "job.failed" }?.stored.position)
            let then = try await store.replay(jobID: "lost", until: .position(failedAt))
            try expect(then?.state.status == .failed && then?.state.refundedAmount == 0, "as it was at the failure")
            try expect(try await store.replay(jobID: "nobody", until: .none) == nil, "no such job")
        },
        Check(name: "a waiter wakes on a change, and releasing answers every wait at once") { store in
            _ = try await store.execute(Fixtures.register("w", externalID: "x-w"))
            async let woken = store.jobAfterChange("w", timeout: .seconds(20))
            try await Task.sleep(for: .milliseconds(200))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-w", .completed, delivery: "d1")))
            try expect(try await woken?.status == .completed, "woken by the commit")
            let started = ContinuousClock.now
            async let released = store.jobAfterChange("w", timeout: .seconds(20))
            try await Task.sleep(for: .milliseconds(200))
            store.releaseWaiters()
            try expect(try await released?.status == .completed, "answered with the job as it is")
            try expect(ContinuousClock.now - started < .seconds(10), "at once, not after the timeout")
        },
        Check(name: "every admin list pages through all its rows, none skipped or repeated") { store in
            try await busyLedger(store)
            for index in 0..<4 {
                _ = try await store.execute(Fixtures.register("f\(index)", cost: 2, externalID: "x-f\(index)"))
                _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-f\(index)", .failed, delivery: "f\(index)")))
                _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-stray-\(index)", .completed, delivery: "s\(index)")))
                let id = "ntf_f\(index)"
                _ = try await store.execute(.job(jobID: "f\(index)", command: .notification(.queue(notificationID: id, event: "job.failed")),
                                                 metadata: Fixtures.app))
                _ = try await store.execute(.job(jobID: "f\(index)", command: .notification(.attempted(
                    notificationID: id, httpStatus: index == 0 ? 204 : 503, error: index == 0 ? nil : "the app answered 503",
                    attemptsMax: index > 1 ? 1 : 8, latencyMilliseconds: 40 + index)), metadata: Fixtures.app))
            }
            let lists: [(ListPage.List, Int)] = [(.refunds, 5), (.orphans, 6), (.deadLetters, 3), (.deliveries(DeliveryFilter()), 6)]
            for (list, count) in lists {
                let whole = try await store.table(.page(ListPage(list, after: nil, limit: 1000)))
                try expect(whole.rows.count == count, "\(list): \(count) rows, found \(whole.rows.count)")
                var paged: [[String?]] = [], after: String? = nil, pages = 0
                repeat {
                    let page = ListPage(list, after: after, limit: 2)
                    let rows = try await store.table(.page(page))
                    paged += rows.rows
                    after = page.next(after: rows)
                    pages += 1
                } while after != nil && pages < 10
                try expect(paged == whole.rows, "\(list) in pages of 2: \(paged) against \(whole.rows)")
            }
            func deliveries(_ filter: DeliveryFilter) async throws -> ReadTable {
                try await store.table(.page(ListPage(.deliveries(filter), after: nil, limit: 100)))
            }
            let all = try await deliveries(DeliveryFilter())
            let column = { (name: String) in all.columns.firstIndex(of: name) ?? -1 }
            try expect(all.rows.map { $0[column("job_id")] } == ["f3", "f2", "f1", "f0", "done", "done"], "newest first: \(all.rows)")
            try expect(all.rows.map { $0[column("outcome")] } == ["dead-lettered", "dead-lettered", "failing", "delivered", "failing", "dead-lettered"],
                       "each attempt's outcome: \(all.rows)")
            try expect(all.rows[3][column("latency_ms")] == "40" && all.rows[3][column("http_status")] == "204", "the app's answer and its time")
            try expect(try await deliveries(DeliveryFilter(outcome: .deadLettered)).rows.count == 3, "dead letters")
            try expect(try await deliveries(DeliveryFilter(outcome: .failing, jobID: "f1")).rows.count == 1, "one job's failing attempts")
            try expect(try await deliveries(DeliveryFilter(jobID: "it's; --")).rows.isEmpty, "a quote in a job id is only text")
            let tomorrow = Timestamp(Date()).adding(milliseconds: 86_400_000)
            let fromTomorrow = try await deliveries(DeliveryFilter(attemptedFrom: tomorrow))
            let beforeTomorrow = try await deliveries(DeliveryFilter(attemptedBefore: tomorrow))
            try expect(fromTomorrow.rows.isEmpty && beforeTomorrow.rows.count == 6, "by the time they were made")
        },
    ]
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw ConformanceFailure("a value was missing") }
    return value
}
