import LedgerCore
import LedgerTesting
import Testing

/// The ledger's rules, one test each: given a history, when a fact arrives, then these events.
@Suite struct DeciderTests {
    let context = DecisionContext(now: Timestamp(millisecondsSinceEpoch: 1_000), factPosition: 7)

    func history(_ events: [LedgerEvent], jobID: String = "j") -> JobState {
        var state = JobState(jobID: jobID)
        for (index, event) in events.enumerated() {
            state.apply(RecordedEvent(position: Int64(index + 1), stream: "job-\(jobID)", version: Int64(index + 1),
                                      event: event, recordedAt: Timestamp(millisecondsSinceEpoch: Int64(index)),
                                      metadata: Fixtures.app))
        }
        return state
    }

    var registered: [LedgerEvent] { [.jobRegistered(Fixtures.registration("j", cost: 30)), .jobSubmitted(.init(externalID: "x"))] }

    func decide(_ command: JobCommand, after events: [LedgerEvent], policy: LateCompletionPolicy = .keepRefund) throws -> [LedgerEvent] {
        var context = self.context
        context.lateCompletionPolicy = policy
        return try Decider.decide(command, state: history(events), context: context)
    }

    @Test func registeringANewJobRecordsIt() throws {
        let registration = Fixtures.registration("j")
        #expect(try decide(.register(registration), after: []) == [.jobRegistered(registration)])
    }

    @Test func theIdenticalRegistrationAgainAppendsNothing() throws {
        #expect(try decide(.register(Fixtures.registration("j", cost: 30)), after: registered).isEmpty)
    }

    /// Who and why are recorded with every operator action, whichever edge
    /// sent it: blank or oversized ones are refused here, not only there.
    @Test(arguments: [("", "app back"), ("alice", ""), ("alice", " \n\t"), ("  ", "why"),
                      ("alice", String(repeating: "x", count: OperatorAccountability.textBytesMax + 1)),
                      // Shows nothing, or shows something else than is stored (hostile input).
                      ("\u{200B}", "why"), ("alice", "\u{FEFF}\u{200D}"), ("\u{0}", "why"), ("alice", "app\u{0} back"),
                      ("alice\u{202E}ecila", "why"), ("alice", "ok\u{202D}"), ("alice", "bell\u{7}")])
    func anOperatorActionWithoutAWhoOrAWhyIsRefused(_ operatorName: String, _ reason: String) throws {
        let action = OperatorAction(operatorName: operatorName, action: "reevaluate", reason: reason)
        for command in [JobCommand.reevaluate(action), .resolveFailed(action), .resolveCompleted(action, outputs: .null)] {
            #expect("\(command)") { try decide(command, after: registered) } throws: { error in
                if case DecisionError.invalid = error { true } else { false }
            }
        }
        let accountable = OperatorAction(operatorName: "al", action: "reevaluate", reason: "ok")
        #expect(try decide(.reevaluate(accountable), after: registered).count == 1, "two characters are enough")
        let written = OperatorAction(operatorName: "Zoë Ødegård", action: "reevaluate",
                                     reason: "app back\n\tINC-12 — 返金 \u{2068}+44 20 7946 0000\u{2069} \u{202B}שלום\u{202C}")
        #expect(try decide(.reevaluate(written), after: registered).count == 1, "any script, tabs and line breaks")
    }

    /// A job's operation and a cancellation's reason are shown on pages and
    /// terminals: a NUL (SQLite's text readers stop at it), another control
    /// character or a bidirectional override is refused, and nothing is decided.
    @Test(arguments: ["a\u{0}b", "tab\u{1B}[31m", "\u{202E}oediv", "x\u{85}"])
    func textThatWouldShowOtherwiseThanStoredIsRefused(_ text: String) {
        for history in [[], registered] {
            // Under an existing job's id too: the 400 names the text, not a "different operation" 409.
            #expect { try decide(.register(Fixtures.registration("j", cost: 30, operation: text)), after: history) } throws: { error in
                if case DecisionError.invalid(let detail) = error { detail.hasPrefix("operation must not hold") } else { false }
            }
        }
        #expect { try decide(.cancel(reason: text), after: registered) } throws: { error in
            if case DecisionError.invalid(let detail) = error { detail.hasPrefix("reason must not hold") } else { false }
        }
    }

    /// As an operator's reason (docs/http-api.md): blanks or invisible
    /// characters alone are no reason, and nothing is decided.
    /// (A blank Braille pattern, the Hangul fillers, a variation selector, a null notehead: a probe's.)
    @Test(arguments: ["", "  \n", "\u{200B}", "\u{2066}\u{2069}", "\u{2800}", "\u{115F}\u{1160}", "\u{3164}", "\u{FFA0}",
                      "\u{17B4}\u{17B5}", "\u{FE0F}", "\u{1D159}"])
    func aCancellationWithoutAVisibleReasonIsRefused(_ reason: String) {
        #expect(throws: DecisionError.invalid("reason is required: it is recorded with the cancellation")) {
            try decide(.cancel(reason: reason), after: registered)
        }
    }

    @Test func aReasonThatShowsSomethingIsTaken() throws {
        for reason in ["user asked", "ユーザー", "🙂", "\u{2801}", "e\u{301}"] {
            #expect(try decide(.cancel(reason: reason), after: registered).first?.type == .jobCancelled, "\(reason)")
        }
    }

    @Test func anotherRegistrationForTheSameJobNamesTheDifferences() {
        #expect(throws: DecisionError.registeredWithDifferentPayload(jobID: "j", fields: ["account", "cost"])) {
            try decide(.register(Fixtures.registration("j", account: "other", cost: 31)), after: registered)
        }
    }

    @Test func aNegativeCostIsRefused() {
        #expect(throws: DecisionError.invalid("cost must be zero or more credits, got -1")) {
            try decide(.register(Fixtures.registration("j", cost: -1)), after: [])
        }
    }

    @Test(arguments: [JobCommand.submit(externalID: "x"), .poll(Fixtures.poll(.completed)), .cancel(reason: "r")])
    func commandsForAnUnknownJobAreRefused(_ command: JobCommand) {
        #expect(throws: DecisionError.unknownJob(jobID: "j")) { try decide(command, after: []) }
    }

    @Test func submittingTheSameExternalIDAgainAppendsNothingButAnotherIsRefused() throws {
        #expect(try decide(.submit(externalID: "x"), after: registered).isEmpty)
        #expect(throws: DecisionError.externalIDAlreadySet(jobID: "j", existing: "x")) {
            try decide(.submit(externalID: "y"), after: registered)
        }
    }

    @Test func completionEvidenceCompletesAJob() throws {
        let webhook = Fixtures.webhook("x", .completed, delivery: "d1", outputs: .string("url"))
        #expect(try decide(.webhook(webhook), after: registered) == [
            .webhookReceived(webhook),
            .jobCompleted(JobCompleted(source: .webhook, outputs: .string("url"), evidencePosition: 7)),
        ])
    }

    @Test func failureOfAChargedJobFailsItAndRefundsTheCost() throws {
        let webhook = Fixtures.webhook("x", .failed, delivery: "d1")
        #expect(try decide(.webhook(webhook), after: registered) == [
            .webhookReceived(webhook),
            .jobFailed(JobFailed(source: .webhook, reason: "provider error", evidencePosition: 7)),
            .creditRefunded(CreditRefunded(account: "acct_1", amount: 30, evidencePosition: 7)),
        ])
    }

    @Test func failureOfAFreeJobRefundsNothing() throws {
        let free: [LedgerEvent] = [.jobRegistered(Fixtures.registration("j", cost: 0))]
        let events = try decide(.poll(Fixtures.poll(.failed)), after: free)
        #expect(events.map(\.type) == [.pollResult, .jobFailed])
    }

    @Test func aRepeatedDeliveryIsADuplicateAndDecidesNothing() throws {
        let webhook = Fixtures.webhook("x", .failed, delivery: "d1")
        var repeated = webhook
        repeated.duplicate = true
        let events = try decide(.webhook(webhook), after: registered + [.webhookReceived(Fixtures.webhook("x", .processing, delivery: "d1"))])
        #expect(events == [.webhookReceived(repeated)])
    }

    @Test func theSameBodyUnderAnotherDeliveryIDIsADuplicate() throws {
        let first = Fixtures.webhook("x", .failed, delivery: "d1")
        var second = first
        second.deliveryID = "d2"
        let events = try decide(.webhook(second), after: registered + [.webhookReceived(first)])
        #expect(events.count == 1)
        guard case .webhookReceived(let fact) = events[0] else { Issue.record("expected the fact"); return }
        #expect(fact.duplicate)
    }

    @Test func contradictingEvidenceAfterCompletionIsRecordedAndCountedNeverApplied() throws {
        let completed = registered + [.jobCompleted(JobCompleted(source: .poll, outputs: .null, evidencePosition: 2))]
        let failure = Fixtures.webhook("x", .failed, delivery: "d9")
        #expect(try decide(.webhook(failure), after: completed) == [.webhookReceived(failure)])
        let state = history(completed + [.webhookReceived(failure)])
        #expect(state.status == .completed && state.conflictCount == 1 && state.refundedAmount == 0)
    }

    var failedAndRefunded: [LedgerEvent] {
        registered + [
            .jobFailed(JobFailed(source: .watchdog, reason: "deadline", evidencePosition: 3)),
            .creditRefunded(CreditRefunded(account: "acct_1", amount: 30, evidencePosition: 3)),
        ]
    }

    @Test func lateCompletionUnderKeepRefundKeepsTheRefund() throws {
        let late = Fixtures.webhook("x", .completed, delivery: "late", outputs: .string("url"))
        #expect(try decide(.webhook(late), after: failedAndRefunded) == [
            .webhookReceived(late),
            .jobLateCompletion(JobLateCompletion(source: .webhook, outputs: .string("url"), policy: .keepRefund, evidencePosition: 7)),
        ])
    }

    @Test func lateCompletionUnderRechargeTakesTheRefundBackOnce() throws {
        let late = Fixtures.webhook("x", .completed, delivery: "late")
        let events = try decide(.webhook(late), after: failedAndRefunded, policy: .recharge)
        #expect(events.map(\.type) == [.webhookReceived, .jobLateCompletion, .creditRecharged])
        #expect(events.last == .creditRecharged(CreditRecharged(account: "acct_1", amount: 30, evidencePosition: 7)))
        let again = Fixtures.webhook("x", .completed, delivery: "later")
        let second = try decide(.webhook(again), after: failedAndRefunded + Array(events), policy: .recharge)
        #expect(second == [.webhookReceived(again)])
    }

    /// Under keep_refund a second late completion records the webhook only:
    /// one late completion per job, whatever the policy.
    @Test func aSecondLateCompletionUnderKeepRefundIsRecordedOnlyAsItsWebhook() throws {
        let late = Fixtures.webhook("x", .completed, delivery: "late")
        let first = try decide(.webhook(late), after: failedAndRefunded)
        #expect(first.map(\.type) == [.webhookReceived, .jobLateCompletion])
        let again = Fixtures.webhook("x", .completed, delivery: "later")
        #expect(try decide(.webhook(again), after: failedAndRefunded + first) == [.webhookReceived(again)])
    }

    /// Refunds exactly once: a second failure report, by any source, refunds nothing.
    @Test func aFailedJobIsNeverRefundedTwice() throws {
        let failure = Fixtures.webhook("x", .failed, delivery: "d2")
        #expect(try decide(.webhook(failure), after: failedAndRefunded) == [.webhookReceived(failure)])
        #expect(try decide(.poll(Fixtures.poll(.failed)), after: failedAndRefunded).map(\.type) == [.pollResult])
        let look = WatchdogDecision(decision: .fail, reason: "past deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
        #expect(try decide(.watchdog(look), after: failedAndRefunded).map(\.type).filter { $0 == .creditRefunded }.isEmpty)
    }

    /// A log that already holds the job's refund, though not its outcome (one
    /// imported or written before the decider kept every rule): its failure
    /// is recorded, and refunds nothing more.
    @Test func aJobWhoseLogHoldsItsRefundIsNotRefundedAgainWhenItFails() throws {
        let refundedEarly = registered + [.creditRefunded(CreditRefunded(account: "acct_1", amount: 30, evidencePosition: 2))]
        #expect(!history(refundedEarly).status.isTerminal)
        let failure = Fixtures.webhook("x", .failed, delivery: "d9")
        #expect(try decide(.webhook(failure), after: refundedEarly).map(\.type) == [.webhookReceived, .jobFailed])
    }

    /// Under recharge a late completion takes back what was refunded and not
    /// taken back yet, not the cost (a log whose refund was partial).
    @Test func aRechargeTakesBackWhatWasRefundedNotTheCost() throws {
        let partlyRefunded = registered + [
            .jobFailed(JobFailed(source: .watchdog, reason: "deadline", evidencePosition: 3)),
            .creditRefunded(CreditRefunded(account: "acct_1", amount: 20, evidencePosition: 3)),
        ]
        let late = try decide(.webhook(Fixtures.webhook("x", .completed, delivery: "late")), after: partlyRefunded, policy: .recharge)
        let recharged = late.compactMap { if case .creditRecharged(let recharge) = $0 { recharge.amount } else { nil } }
        #expect(recharged == [20])
    }

    /// The fold shows what the log holds: a second refund appended around the
    /// decider (verify names it) counts, so the job's page shows the overpayment.
    @Test func theFoldAddsEveryRefundTheLogHolds() throws {
        let twice = failedAndRefunded + [.creditRefunded(CreditRefunded(account: "acct_1", amount: 30, evidencePosition: 3))]
        #expect(history(twice).refundedAmount == 60)
        let recharged = twice + [.creditRecharged(CreditRecharged(account: "acct_1", amount: 30, evidencePosition: 5)),
                                 .creditRecharged(CreditRecharged(account: "acct_1", amount: 30, evidencePosition: 5))]
        #expect(history(recharged).rechargedAmount == 60)
    }

    /// The first terminal outcome wins: a failure after a completion is recorded, never applied.
    @Test func theFirstTerminalOutcomeWins() throws {
        let completed = try decide(.webhook(Fixtures.webhook("x", .completed, delivery: "d1")), after: registered)
        let failure = Fixtures.webhook("x", .failed, delivery: "d2")
        #expect(try decide(.webhook(failure), after: registered + completed) == [.webhookReceived(failure)])
        #expect(try decide(.poll(Fixtures.poll(.failed)), after: registered + completed).map(\.type) == [.pollResult])
        #expect(history(registered + completed).status == .completed)
    }

    @Test func theWatchdogDeadlineFailsAndRefunds() throws {
        let look = WatchdogDecision(decision: .fail, reason: "past deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
        #expect(try decide(.watchdog(look), after: registered).map(\.type) == [.watchdogDecision, .jobFailed, .creditRefunded])
        let wait = WatchdogDecision(decision: .wait, reason: "young", ageSeconds: 10, thresholdSeconds: 7200)
        #expect(try decide(.watchdog(wait), after: registered).map(\.type) == [.watchdogDecision])
    }

    /// The watchdog read the job as never submitted, past the deadline; the app's
    /// submission landed before the look was decided: no failure, no refund.
    @Test func aLookAtAJobSubmittedSinceTheWatchdogReadItRecordsNothing() throws {
        let look = WatchdogDecision(decision: .fail, reason: "never submitted before the deadline", ageSeconds: 90_000,
                                    thresholdSeconds: 86_400)
        let neverSubmitted: [LedgerEvent] = [.jobRegistered(Fixtures.registration("j", cost: 30))]
        let asRead = WatchdogPolicy.Judged(awaited: .submission, submitted: false)
        #expect(try decide(.watchdog(look, judged: asRead), after: registered).isEmpty)
        #expect(try decide(.watchdog(look, judged: asRead), after: neverSubmitted).map(\.type)
                    == [.watchdogDecision, .jobFailed, .creditRefunded], "the state it judged is the state it fails")
        // Reported on by its provider without an external id (awaiting its end since registration), then submitted.
        let reported: [LedgerEvent] = neverSubmitted + [.webhookReceived(Fixtures.webhook("", .processing, delivery: "d0"))]
        let endLook = WatchdogDecision(decision: .fail, reason: "no terminal status before the deadline", ageSeconds: 90_000,
                                       thresholdSeconds: 86_400)
        let reportedAsRead = WatchdogPolicy.Judged(awaited: .completion, submitted: false)
        #expect(try decide(.watchdog(endLook, judged: reportedAsRead), after: reported).map(\.type).contains(.jobFailed))
        #expect(try decide(.watchdog(endLook, judged: reportedAsRead), after: reported + [.jobSubmitted(.init(externalID: "late"))])
                    .isEmpty, "submitted since: its wait starts again")
    }

    @Test func theWatchdogNeverFailsATerminalJob() throws {
        let look = WatchdogDecision(decision: .fail, reason: "past deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
        #expect(try decide(.watchdog(look), after: failedAndRefunded).isEmpty,
                "a job that ended since the watchdog read it gets no look, and no second failure")
    }

    @Test func cancellingRefundsOnceAndATerminalJobCannotBeCancelled() throws {
        let events = try decide(.cancel(reason: "user"), after: registered)
        #expect(events == [
            .jobCancelled(JobCancelled(source: .app, reason: "user", evidencePosition: 7)),
            .creditRefunded(CreditRefunded(account: "acct_1", amount: 30, evidencePosition: 7)),
        ])
        #expect(throws: DecisionError.alreadyTerminal(jobID: "j", status: .failed)) {
            try decide(.cancel(reason: "again"), after: failedAndRefunded)
        }
        // The same cancellation again (the app's retry after a lost answer) decides nothing and is
        // answered; another reason is refused: the job was cancelled for the first one.
        let cancelled = registered + events
        #expect(try decide(.cancel(reason: "user"), after: cancelled).isEmpty)
        #expect(throws: DecisionError.alreadyTerminal(jobID: "j", status: .cancelled)) {
            try decide(.cancel(reason: "changed my mind"), after: cancelled)
        }
    }

    @Test func aReevaluationIsRecordedOnceUntilSomethingElseHappens() throws {
        let look = OperatorAction(operatorName: "ops", action: "reevaluate", reason: "provider outage")
        #expect(try decide(.reevaluate(look), after: registered) == [.operatorAction(look)])
        let looked = registered + [.operatorAction(look)]
        #expect(try decide(.reevaluate(look), after: looked).isEmpty, "an identical repeat records nothing")
        let other = OperatorAction(operatorName: "ops", action: "reevaluate", reason: "second look")
        #expect(try decide(.reevaluate(other), after: looked) == [.operatorAction(other)], "another reason is another look")
        #expect(try decide(.reevaluate(look), after: looked + [.pollResult(Fixtures.poll(.processing))]).isEmpty,
                "what the action appended since does not make it new")
        #expect(try decide(.reevaluate(look), after: failedAndRefunded) == [.operatorAction(look)], "terminal jobs may be looked at")
    }

    @Test func operatorsResolveOnlyWhatIsOpen() throws {
        let action = OperatorAction(operatorName: "ops", action: "resolve_failed", reason: "lost")
        #expect(try decide(.resolveFailed(action), after: registered).map(\.type) == [.operatorAction, .jobFailed, .creditRefunded])
        #expect(throws: DecisionError.alreadyTerminal(jobID: "j", status: .failed)) {
            try decide(.resolveFailed(action), after: failedAndRefunded)
        }
        let done = OperatorAction(operatorName: "ops", action: "resolve_completed", reason: "found it")
        #expect(try decide(.resolveCompleted(done, outputs: .null), after: failedAndRefunded).map(\.type)
                == [.operatorAction, .jobLateCompletion])
    }

    /// An operator's resolution sent again (a retry after a lost answer) is answered
    /// with the job as it is, as a cancellation's is; another one is still refused.
    @Test func theSameResolutionAgainDecidesNothing() throws {
        let failedBy = OperatorAction(operatorName: "ops", action: "resolve_failed", reason: "lost")
        let failed = registered + (try decide(.resolveFailed(failedBy), after: registered))
        #expect(try decide(.resolveFailed(failedBy), after: failed) == [])
        let other = OperatorAction(operatorName: "ops", action: "resolve_failed", reason: "another reason")
        #expect(throws: DecisionError.alreadyTerminal(jobID: "j", status: .failed)) { try decide(.resolveFailed(other), after: failed) }
        let outputs = JSONValue.string("https://cdn.example/1.mp4")
        let completedBy = OperatorAction(operatorName: "ops", action: "resolve_completed", reason: "found it")
        for before in [registered, failedAndRefunded] {
            let resolved = before + (try decide(.resolveCompleted(completedBy, outputs: outputs), after: before))
            #expect(try decide(.resolveCompleted(completedBy, outputs: outputs), after: resolved) == [], "\(before.count)")
            #expect(throws: DecisionError.self, "other outputs are another resolution") {
                try decide(.resolveCompleted(completedBy, outputs: .string("elsewhere")), after: resolved)
            }
        }
    }

    @Test func aPollThatFailedInTransitDecidesNothing() throws {
        var poll = Fixtures.poll(.failed)
        poll.transportError = "connection refused"
        #expect(try decide(.poll(poll), after: registered) == [.pollResult(poll)])
    }

    @Test func reportsOfProgressAfterTheOutcomeChangeNothing() throws {
        let late = Fixtures.webhook("x", .processing, delivery: "old")
        #expect(try decide(.webhook(late), after: failedAndRefunded) == [.webhookReceived(late)])
        #expect(history(failedAndRefunded + [.webhookReceived(late)]).status == .failed)
    }

    /// The notifier orders a job's notifications by the position their id
    /// names; the id names the history too (the hash before the event), so a
    /// restored log's event at a reused position gets another id.
    @Test func aNotificationIDNamesItsSourcePositionAndNothingElseParses() {
        #expect(Decider.sourcePosition(ofNotification: Decider.notificationID(sourcePosition: 4_321)) == 4_321)
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        let id = Decider.notificationID(sourcePosition: 4_321, historyTag: hash)
        #expect(id == "ntf_4321_9f86d081" && Decider.sourcePosition(ofNotification: id) == 4_321)
        #expect(id != Decider.notificationID(sourcePosition: 4_321, historyTag: String(repeating: "0", count: 64)),
                "the same position after another history")
        for foreign in ["ntf_", "ntf_x", "msg_12", "12", "ntf_12a", "", "ntf_12_", "ntf_12_9f86d08", "ntf_12_9F86D081",
                        "ntf_12_9f86d081_1", "ntf__9f86d081"] {
            #expect(Decider.sourcePosition(ofNotification: foreign) == nil, "\(foreign)")
        }
    }
}
