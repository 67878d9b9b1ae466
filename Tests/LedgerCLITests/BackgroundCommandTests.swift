import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LedgerCLI
import LedgerCore
import LedgerFakes
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger poll|watchdog --once` and `ledger redrive` as real processes (the
/// cron-style deployment), and the admin `poll` action on a real `ledger serve`,
/// against a fake provider on loopback.
@Suite(.serialized) struct BackgroundCommandTests {
    /// A ledger whose job `j1` (pred_1) was submitted 10 minutes ago and whose `j2` was never submitted, 20 minutes ago.
    static func prepareLedger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let tenMinutesAgo = Timestamp(Date().addingTimeInterval(-600))
        let twentyMinutesAgo = Timestamp(Date().addingTimeInterval(-1200))
        let past = try SQLiteEventStore(path: path, options: StoreOptions(clock: { twentyMinutesAgo }))
        _ = try await past.execute(Fixtures.register("j2", cost: 5))
        let recent = try SQLiteEventStore(path: path, options: StoreOptions(clock: { tenMinutesAgo }))
        _ = try await recent.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
        return path
    }

    static func withProvider(_ body: @escaping @Sendable (FakeProvider, Int) async throws -> Void) async throws {
        let provider = FakeProvider()
        let router = Router()
        provider.add(to: router)
        try await Application(router: router).test(.live) { client in try await body(provider, client.port!) }
    }

    @Test func pollWatchdogAndRedriveRunOnceFromCron() async throws {
        let path = try await Self.prepareLedger()
        try await Self.withProvider { provider, port in
            provider.start("pred_1")
            provider.finish("pred_1", succeeded: true)
            let environment = ["LEDGER_PROVIDER_REPLICATE_BASE_URL": "http://127.0.0.1:\(port)", "LEDGER_PROVIDER_REPLICATE_API_KEY": "r8_test",
                               "LEDGER_ALLOW_PRIVATE_TARGETS": "true"]
            let poll = try await LedgerBinary.run(["poll", "--once", "--db", path], environment: environment)
            #expect(poll.status == 0 && poll.stdout.contains("1 polled, 1 ended by the poll"), "\(poll.stdout)\(poll.stderr)")
            // A ledger no serve opened (here: filled by the test; in production, by an import) has no settings of serve's.
            #expect(poll.stderr.contains("no serve has recorded its settings") && poll.stderr.contains("notifications"), "\(poll.stderr)")

            let again = try await LedgerBinary.run(["poll", "--once", "--db", path], environment: environment)
            #expect(again.status == 0 && again.stdout.contains("0 polled"), "j1 is done; nothing else to poll")

            let watchdog = try await LedgerBinary.run(["watchdog", "--once", "--db", path])
            #expect(watchdog.stdout.contains("1 new decisions"), "\(watchdog.stdout)\(watchdog.stderr)")
            #expect(try await LedgerBinary.run(["watchdog", "--once", "--db", path]).stdout.contains("0 new decisions"), "idempotent")

            let bulkWithoutReason = try await LedgerBinary.run(["redrive", "--status", "registered", "--action", "reevaluate", "--db", path])
            #expect(bulkWithoutReason.status == 2 && bulkWithoutReason.stderr.contains("--reason"))
            let bulk = ["redrive", "--status", "registered", "--action", "reevaluate", "--operator", "alice", "--reason", "INC-9", "--db", path]
            let dry = try await LedgerBinary.run(bulk + ["--dry-run"])
            #expect(dry.status == 0 && dry.stdout.contains("1 jobs match; 1 would get"), "\(dry.stdout)\(dry.stderr)")
            let first = try await LedgerBinary.run(bulk)
            #expect(first.stdout.contains("acted on 1"), "\(first.stdout)\(first.stderr)")
            let second = try await LedgerBinary.run(bulk)
            #expect(second.stdout.contains("acted on 0") && second.stdout.contains("1 already had this re-drive"), "\(second.stdout)")
            #expect(try await LedgerBinary.run(["poll", "--db", path]).status == 2, "--once is required")
        }
        let store = try SQLiteEventStore(path: path)
        let job = try #require(try await store.job("j1"))
        #expect(job.status == .completed && job.completionSource == .poll)
        let actions = try await store.events(inStream: "job-j2").filter { $0.type == "operator.action" }
        #expect(actions.count == 1 && actions[0].data.contains("INC-9") && actions[0].data.contains("alice"))
        #expect(try await store.verify().isSound)
    }

    /// A cron watchdog started without the server's configuration judges by
    /// the thresholds the server recorded in the ledger; one configured for
    /// the cron process itself wins.
    @Test func aCronWatchdogJudgesByTheThresholdsTheServerRecorded() async throws {
        let path = try await Self.prepareLedger()
        let store = try SQLiteEventStore(path: path)
        try await store.recordSettings(WatchdogPolicy(stuckAfterMilliseconds: 3_600_000, deadlineMilliseconds: 86_400_000,
                                                      submitDeadlineMilliseconds: 3_600_000).recordedSettings)
        await store.close()
        let recorded = try await LedgerBinary.run(["watchdog", "--once", "--db", path])
        #expect(recorded.status == 0 && recorded.stdout.contains("0 new decisions"), "j2 waits 20 min of its hour: \(recorded.stdout)\(recorded.stderr)")
        let configured = try await LedgerBinary.run(["watchdog", "--once", "--db", path], environment: ["LEDGER_SUBMIT_DEADLINE": "5m"])
        #expect(configured.status == 0 && configured.stdout.contains("1 new decisions"), "\(configured.stdout)\(configured.stderr)")
    }

    @Test func theAdminPollActionPollsThroughTheServer() async throws {
        let path = try await Self.prepareLedger()
        try await Self.withProvider { provider, providerPort in
            provider.start("pred_1")
            provider.finish("pred_1", succeeded: true)
            let port = ServeProcessTests.freePort()
            let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port, environment: [
                "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_PROVIDER_REPLICATE_BASE_URL": "http://127.0.0.1:\(providerPort)",
                "LEDGER_PROVIDER_REPLICATE_API_KEY": "r8_test",
                "LEDGER_ALLOW_PRIVATE_TARGETS": "true", "LEDGER_WATCHDOG_INTERVAL": "1h",
                "LEDGER_POLL_SCHEDULE": "first:1h,1h",
            ])
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            // A poll is a round trip to the provider: on a loaded machine it takes longer than curl's usual 5 s.
            let answer = try await ServeProcessTests.curl(["--max-time", "30", "-X", "POST", "http://127.0.0.1:\(port)/v1/jobs/j1/actions",
                                                     "-H", "Authorization: Bearer admin-key-0123456789abcdef",
                                                     "-d", #"{"action":"poll","operator":"ops","reason":"webhook missing"}"#])
            let job = JSONValue(jsonText: answer.output)
            #expect(job?["status"] == .string("completed") && job?["completion_source"] == .string("poll"), "\(answer.output)")
            let notify = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                                     "http://127.0.0.1:\(port)/v1/jobs/j1/actions",
                                                     "-H", "Authorization: Bearer admin-key-0123456789abcdef",
                                                     "-d", #"{"action":"notify","operator":"ops","reason":"resend"}"#])
            #expect(notify.output == "409", "notifications are off")
            kill(server.processIdentifier, SIGTERM)
            await server.exited()
            #expect(server.terminationStatus == 0, "background services shut down with the server")
        }
    }

    /// A notification URL the ledger would refuse at every delivery (loopback,
    /// private) stops the command at start, naming the setting that allows it;
    /// it used to start, then dead-letter every notification.
    @Test func aPrivateNotifyURLIsRefusedAtStart() async throws {
        let path = try await Self.prepareLedger()
        let secret = "whsec_" + Data("an-app-secret-0123456789".utf8).base64EncodedString()
        for url in ["http://127.0.0.1:8478/hook", "http://localhost/hook", "http://[::1]/hook", "https://10.1.2.3/hook", "http://2130706433/x"] {
            let answer = try await LedgerBinary.run(["serve", "--db", path, "--port", String(ServeProcessTests.freePort())], environment: [
                "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_NOTIFY_URL": url, "LEDGER_NOTIFY_SECRET": secret,
            ])
            #expect(answer.status == 2 && answer.stderr.contains("LEDGER_NOTIFY_URL") && answer.stderr.contains("LEDGER_ALLOW_PRIVATE_TARGETS=true"),
                    "\(url): \(answer.stderr)")
        }
        let allowed = try await LedgerBinary.run(["notify", "--once", "--db", path], environment: [
            "LEDGER_NOTIFY_URL": "http://127.0.0.1:9/hook", "LEDGER_NOTIFY_SECRET": secret, "LEDGER_ALLOW_PRIVATE_TARGETS": "true",
        ])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test func aCronRunWithoutTheNotifySettingsStillQueuesTheNotificationsTheServerRecorded() async throws {
        let path = try await Self.prepareLedger()
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port, environment: [
            "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_NOTIFY_URL": "http://127.0.0.1:9/hooks", "LEDGER_ALLOW_PRIVATE_TARGETS": "true",
            "LEDGER_NOTIFY_SECRET": "whsec_" + Data("an-app-secret-0123456789".utf8).base64EncodedString(),
            "LEDGER_LATE_COMPLETION_POLICY": "recharge",
        ])
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        // cron, without LEDGER_NOTIFY_URL: the never-submitted j2 is past this deadline.
        let watchdog = try await LedgerBinary.run(["watchdog", "--once", "--db", path], environment: ["LEDGER_DEADLINE": "15m"])
        #expect(watchdog.stdout.contains("1 failed and refunded"), "\(watchdog.stdout)\(watchdog.stderr)")
        let store = try SQLiteEventStore(path: path)
        let types = try await store.events(inStream: "job-j2").map(\.type)
        #expect(types.filter { $0 == "notification.queued" }.count == 2, "job.failed and credit.refunded are queued: \(types)")
        let settings = try await store.recordedSettings()
        #expect(settings["notifications"] == "on" && settings["late_completion_policy"] == "recharge")
    }

    /// Answers 500 to every request and counts them: a peer no read of the past may call.
    struct CountEveryRequest: RouterMiddleware {
        let calls: Shared<[String]>
        func handle(_ request: Request, context: BasicRequestContext,
                    next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
            calls.withLock { $0.append("\(request.method) \(request.uri.path)") }
            return Response(status: .internalServerError)
        }
    }

    /// FAULTS 40: replaying, rebuilding and verifying a log read the past and
    /// act on nothing. With a provider and an app configured (one loopback
    /// sink that fails every call), open jobs and open notifications in the
    /// log, these commands call nobody; `notify --once` on the same log does.
    @Test func replayRebuildAndVerifyCallNoPeer() async throws {
        let path = try await Self.prepareLedger()
        var options = StoreOptions()
        options.notificationsEnabled = true
        let store = try SQLiteEventStore(path: path, options: options)
        _ = try await store.execute(Fixtures.register("j3", cost: 7, externalID: "pred_3"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("pred_3", .failed, delivery: "d3")))
        let calls = Shared<[String]>([])
        let router = Router()
        router.add(middleware: CountEveryRequest(calls: calls))
        router.get("**") { _, _ in Response(status: .internalServerError) }
        router.post("**") { _, _ in Response(status: .internalServerError) }
        try await Application(router: router).test(.live) { client in
            let sink = "http://127.0.0.1:\(client.port!)"
            let environment = ["LEDGER_PROVIDER_REPLICATE_BASE_URL": sink, "LEDGER_PROVIDER_REPLICATE_API_KEY": "r8_test",
                               "LEDGER_NOTIFY_URL": sink + "/hooks", "LEDGER_ALLOW_PRIVATE_TARGETS": "true",
                               "LEDGER_NOTIFY_SECRET": "whsec_" + Data("an-app-secret-0123456789".utf8).base64EncodedString()]
            for command in [["replay", "j3"], ["replay", "j1", "--format", "json"], ["rebuild"], ["rebuild", "--check"], ["verify"],
                            ["export"]] {
                let output = try await LedgerBinary.run(command + ["--db", path], environment: environment)
                #expect(output.status == 0, "\(command): \(output.stderr)")
                #expect(calls.withLock { $0 }.isEmpty, "\(command) called a peer: \(calls.withLock { $0 })")
            }
            // The sink does count: the notifier and the poller on the same log call it.
            let notify = try await LedgerBinary.run(["notify", "--once", "--db", path], environment: environment)
            #expect(notify.status == 0, "\(notify.stderr)")
            #expect(calls.withLock { $0 }.contains("POST /hooks"), "the notifier's call is counted: \(calls.withLock { $0 })")
            _ = try await LedgerBinary.run(["poll", "--once", "--db", path], environment: environment)
            #expect(calls.withLock { $0 }.contains { $0.hasPrefix("GET /v1/predictions/") }, "the poller's too: \(calls.withLock { $0 })")
        }
    }

    /// FAULTS 2: a process killed between the commit of a failure (its refund
    /// and its two queued notifications in the same transaction) and the send
    /// leaves exactly this file: committed, nothing sent. The next process
    /// (`ledger notify --once`, run twice) sends each notification once.
    @Test func aDecisionCommittedBeforeAKillIsSentOnceByTheNextProcess() async throws {
        let path = Fixtures.temporaryDatabasePath()
        var options = StoreOptions()
        options.notificationsEnabled = true
        let store = try SQLiteEventStore(path: path, options: options)
        _ = try await store.execute(Fixtures.register("j", cost: 7, externalID: "pred_9"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("pred_9", .failed, delivery: "d9")))
        let queued = try await store.events(inStream: "job-j").filter { $0.type == "notification.queued" }.count
        #expect(queued == 2, "the failure's and the refund's")
        let app = FakeApp()
        let router = Router()
        app.add(to: router)
        try await Application(router: router).test(.live) { client in
            let environment = ["LEDGER_NOTIFY_URL": "http://127.0.0.1:\(client.port!)/hooks", "LEDGER_NOTIFY_SECRET": app.secret,
                               "LEDGER_ALLOW_PRIVATE_TARGETS": "true"]
            for run in 1...2 {
                let notify = try await LedgerBinary.run(["notify", "--once", "--db", path], environment: environment)
                #expect(notify.status == 0, "run \(run): \(notify.stdout)\(notify.stderr)")
            }
            #expect(app.accepted.count == queued && Set(app.accepted.map(\.webhookID)).count == queued && app.forged == 0,
                    "each sent once: \(app.accepted.map(\.webhookID))")
        }
        let types = try await SQLiteEventStore(path: path).events(inStream: "job-j").map(\.type)
        #expect(types.filter { $0 == "notification.delivered" }.count == queued && types.filter { $0 == "credit.refunded" }.count == 1)
    }

    /// The dead-letter runbook from an operator's shell, without the app's URL
    /// and secret: a re-drive only queues the notification again, and the
    /// `serve` that recorded "notifications on" delivers it. On a ledger no
    /// server ever delivered from, the re-drive is refused and says why.
    @Test func aRedriveOfDeadLettersNeedsOnlyWhatServeRecorded() async throws {
        let path = try await AdminPagesTests.ledger()
        let arguments = ["redrive", "--status", "completed", "--action", "notify", "--operator", "ops",
                         "--reason", "app back INC-12", "--db", path]
        let refused = try await LedgerBinary.run(arguments + ["--dry-run"])
        #expect(refused.status == 2 && refused.stderr.contains("notifications are off: set LEDGER_NOTIFY_URL"),
                "\(refused.stdout)\(refused.stderr)")
        try await SQLiteEventStore(path: path).recordSettings([RecordedSettings.notifications: "on"])
        let dryRun = try await LedgerBinary.run(arguments + ["--dry-run"])
        #expect(dryRun.status == 0 && dryRun.stdout.contains("1 would get an operator.action"), "\(dryRun.stdout)\(dryRun.stderr)")
        let redrive = try await LedgerBinary.run(arguments)
        #expect(redrive.status == 0 && redrive.stdout.contains("acted on 1"), "\(redrive.stdout)\(redrive.stderr)")
        let events = try await SQLiteEventStore(path: path).events(inStream: "job-j1")
        #expect(events.filter { $0.type == "notification.queued" }.count == 2, "queued again: \(events.map(\.type))")
    }

    /// A re-drive that cannot act says why, naming the setting missing (a
    /// status API is polled only with its key); a named job the ledger does
    /// not know is a typo, not "0 match": exit 1, and the other jobs named
    /// are not acted on either.
    @Test func aRedriveSaysWhyItCannotActAndRefusesAnUnknownJob() async throws {
        let path = try await AdminPagesTests.ledger()
        let poll = try await LedgerBinary.run(["redrive", "j1", "--action", "poll", "--db", path])
        #expect(poll.status == 0 && poll.stdout.contains("1 do not apply")
                && poll.stdout.contains("1 not polled: replicate's status API needs a key: set LEDGER_PROVIDER_REPLICATE_API_KEY")
                && poll.stdout.contains("no --config given"),  // the key may be in the file serve reads
                "\(poll.stdout)\(poll.stderr)")
        let before = try await SQLiteEventStore(path: path).head().position
        let typo = try await LedgerBinary.run(["redrive", "j2", "jb3", "--action", "reevaluate", "--db", path])
        #expect(typo.status == 1 && typo.stderr.contains("no job jb3 in this ledger: nothing done"), "\(typo.stdout)\(typo.stderr)")
        #expect(try await SQLiteEventStore(path: path).head().position == before, "j2 was not acted on either")
    }

    /// Money decided by cron under the policy `serve` recorded: `serve` ran with
    /// `recharge`; later a cron watchdog fails j1, and an operator's `ledger redrive
    /// j1 --action poll`, given no policy of its own, finds the provider succeeded:
    /// the late completion is decided under `recharge` and the refund taken back once.
    @Test func aCronRunDecidesALateCompletionUnderThePolicyServeRecorded() async throws {
        let path = try await Self.prepareLedger()
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port, environment: [
            "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_LATE_COMPLETION_POLICY": "recharge",
        ])
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let watchdog = try await LedgerBinary.run(["watchdog", "--once", "--db", path], environment: ["LEDGER_DEADLINE": "5m"])
        #expect(watchdog.stdout.contains("2 failed and refunded"), "\(watchdog.stdout)\(watchdog.stderr)")
        try await Self.withProvider { provider, providerPort in
            provider.start("pred_1")
            provider.finish("pred_1", succeeded: true)
            let environment = ["LEDGER_PROVIDER_REPLICATE_BASE_URL": "http://127.0.0.1:\(providerPort)",
                               "LEDGER_PROVIDER_REPLICATE_API_KEY": "r8_test", "LEDGER_ALLOW_PRIVATE_TARGETS": "true"]
            let redrive = try await LedgerBinary.run(["redrive", "j1", "--action", "poll", "--operator", "ops", "--reason", "provider says done",
                                                      "--db", path], environment: environment)
            #expect(redrive.status == 0, "\(redrive.stdout)\(redrive.stderr)")
        }
        let store = try SQLiteEventStore(path: path)
        let events = try await store.events(inStream: "job-j1")
        let late = try #require(events.first { $0.type == "job.late_completion" }, "\(events.map(\.type))")
        #expect(JSONValue(jsonText: late.data)?["policy"] == .string("recharge"), "\(late.data)")
        #expect(events.filter { $0.type == "credit.recharged" }.count == 1 && events.filter { $0.type == "credit.refunded" }.count == 1)
        let job = try #require(try await store.job("j1"))
        #expect(job.refundedAmount == 10 && job.rechargedAmount == 10)
    }
}
