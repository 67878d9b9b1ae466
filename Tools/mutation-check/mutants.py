"""The rule mutations Tools/mutation-check/run.py applies, one at a time.

Each is (name, file, what the source says, what the mutant says, the tests
that must fail). `find` must occur exactly once in `file`. The tests named
run in the trimmed package (the core, the store, SQLite and their tests).
"""

MUTANTS = [
    # Chaining: every field of the canonical row is hashed.
    ("chain hash leaves out type", "Sources/LedgerStore/Log/ChainHasher.swift",
     "String(version), type, String(schemaVersion)", "String(version), String(schemaVersion)", "ChainHashGolden"),
    ("chain hash leaves out stream", "Sources/LedgerStore/Log/ChainHasher.swift",
     "[String(position), stream, String(version)", "[String(position), String(version)", "ChainHashGolden"),
    ("chain hash leaves out the idempotency key", "Sources/LedgerStore/Log/ChainHasher.swift",
     'metadataDigest, idempotencyKey ?? ""]', "metadataDigest]", "ChainHashGolden"),
    ("verify skips prev_hash", "Sources/LedgerStore/Retention/ChainCheck.swift",
     "if event.prevHash != head.hash {", "if false {", "VerifyTests|ReviewRegression|SQLiteConformance"),
    ("verify skips a position gap", "Sources/LedgerStore/Retention/ChainCheck.swift",
     "if event.position != head.position + 1 {", "if false {", "VerifyTests|ReviewRegression|SQLiteConformance"),
    ("verify takes any change to a body in a retention run's range for a redaction", "Sources/LedgerStore/Retention/ChainCheck.swift",
     "guard let covering, event.type == EventType.webhookReceived.rawValue, BodyRedaction.isRedacted(event.data) else {",
     "guard let covering, event.type == EventType.webhookReceived.rawValue else {", "VerifyTests|SQLiteConformance|Retention"),

    # Verify's invariants: one fold in the core, fed by every engine's walk.
    ("verify misses a second terminal outcome", "Sources/LedgerCore/Invariants/InvariantFold.swift",
     "if streams[Int(id)].terminals == 2 {", "if streams[Int(id)].terminals == 99 {", "SQLiteConformance"),
    ("verify misses a failed job without its refund", "Sources/LedgerCore/Invariants/StreamFacts.swift",
     "registrations.contains(where: { $0.cost > 0 })", "registrations.contains(where: { $0.cost > 1_000_000 })", "SQLiteConformance"),
    ("verify misses a refund that differs from the cost", "Sources/LedgerCore/Invariants/StreamFacts.swift",
     "registrations.contains { $0.cost != refund.amount }", "registrations.contains { _ in false }", "SQLiteConformance"),
    ("verify misses a refund of a completed job", "Sources/LedgerCore/Invariants/StreamFacts.swift",
     "if completed, let refund = refunds.first {", "if false, let refund = refunds.first {", "SQLiteConformance"),
    ("verify misses a recharge without a late completion", "Sources/LedgerCore/Invariants/StreamFacts.swift",
     "recharges.count > 1 || !lateCompletion", "recharges.count > 1", "SQLiteConformance"),
    ("verify misses a refund to another account", "Sources/LedgerCore/Invariants/StreamFacts.swift",
     "registrations.contains { !ExactText.equal($0.account, credit.account) }", "registrations.contains { _ in false }", "SQLiteConformance|InvariantFold"),
    ("verify misses evidence that is a duplicate webhook", "Sources/LedgerCore/Invariants/InvariantFold.swift",
     "if duplicateWebhooks.contains(evidence) {", "if false {", "SQLiteConformance"),
    ("verify misses evidence from another stream", "Sources/LedgerCore/Invariants/InvariantFold.swift",
     "if stream(at: evidence) != id {", "if false {", "SQLiteConformance|InvariantFold"),
    ("verify misses a recharge that is not what was refunded", "Sources/LedgerCore/Invariants/InvariantFold.swift",
     "if recharge.amount != refundedBefore {", "if false {", "SQLiteConformance"),
    ("verify misses a balance the projection holds wrong", "Sources/LedgerCore/Invariants/InvariantFold.swift",
     ".sorted().first { moves[$0] != held[$0] }", ".sorted().first { _ in false }", "VerifyTests|SQLiteConformance|InvariantFold"),
    ("verify stops folding the invariants at a chain break", "Sources/LedgerStore/Maintenance/VerifyWalk.swift",
     "        fold(event)\n", "        if !chainBroken { fold(event) }\n", "InvariantFold"),

    # Deciding.
    ("a failed job is refunded again", "Sources/LedgerCore/Decider/Decider+Outcome.swift",
     "guard state.cost > 0, state.refundedAmount == 0 else { return [] }", "guard state.cost > 0 else { return [] }",
     "DeciderTests|DeciderProperty"),
    ("a free job is refunded", "Sources/LedgerCore/Decider/Decider+Outcome.swift",
     "guard state.cost > 0, state.refundedAmount == 0 else { return [] }", "guard state.refundedAmount == 0 else { return [] }",
     "DeciderTests|DeciderProperty"),
    ("a late completion is recorded twice", "Sources/LedgerCore/Decider/Decider+Outcome.swift",
     "guard state.status != .completed, state.lateCompletedAt == nil else { return [] }",
     "guard state.status != .completed else { return [] }", "DeciderTests"),
    ("a failure after the outcome decides again", "Sources/LedgerCore/Decider/Decider+Outcome.swift",
     "case .failed where !state.status.isTerminal:", "case .failed:", "DeciderTests|DeciderProperty"),
    ("a cancellation is not refunded", "Sources/LedgerCore/Decider/Decider+Outcome.swift",
     "return [.jobCancelled(JobCancelled(source: report.source, reason: reason, evidencePosition: evidencePosition))]\n                + refund(state: state, evidencePosition: evidencePosition)",
     "return [.jobCancelled(JobCancelled(source: report.source, reason: reason, evidencePosition: evidencePosition))]",
     "DeciderTests|DeciderProperty"),
    ("a recharge takes back the whole cost, not what is outstanding", "Sources/LedgerCore/Decider/Decider+Outcome.swift",
     "let outstanding = state.refundedAmount - state.rechargedAmount", "let outstanding = state.cost",
     "DeciderTests|DeciderProperty"),
    ("the same body under another delivery id decides again", "Sources/LedgerCore/Decider/Decider.swift",
     "|| state.seenBodyHashes.contains(webhook.bodySHA256)", "", "DeciderTests|DeciderProperty"),
    ("a repeated delivery id decides again", "Sources/LedgerCore/Decider/Decider.swift",
     "fact.duplicate = state.seenDeliveryIDs.contains(webhook.deliveryID)", "fact.duplicate = false", "DeciderTests|DeciderProperty"),

    # Folding.
    ("the fold counts a refund once only", "Sources/LedgerCore/State/JobState+Fold.swift",
     "case .creditRefunded(let refund): refundedAmount += refund.amount",
     "case .creditRefunded(let refund): refundedAmount = refund.amount", "DeciderTests|DeciderProperty|SQLiteConformance"),

    ("the fold counts a recharge once only", "Sources/LedgerCore/State/JobState+Fold.swift",
     "case .creditRecharged(let recharge): rechargedAmount += recharge.amount",
     "case .creditRecharged(let recharge): rechargedAmount = recharge.amount", "DeciderTests|DeciderProperty|SQLiteConformance"),

    # Policies.
    ("the watchdog fails a job at the deadline, not past it", "Sources/LedgerCore/Policies/WatchdogPolicy.swift",
     "if age > deadlineMilliseconds {", "if age >= deadlineMilliseconds {", "PolicyTests"),
    ("the watchdog acts at its threshold, not past it", "Sources/LedgerCore/Policies/WatchdogPolicy.swift",
     "guard age > stuckAfterMilliseconds(awaiting: awaited)", "guard age >= stuckAfterMilliseconds(awaiting: awaited)", "PolicyTests"),
    ("a job never submitted waits as long as a submitted one", "Sources/LedgerCore/Policies/WatchdogPolicy.swift",
     "awaited == .submission ? submitDeadlineMilliseconds : stuckAfterMilliseconds", "stuckAfterMilliseconds", "PolicyTests"),
    ("a job its provider reported on without an external id awaits its submission", "Sources/LedgerCore/Policies/WatchdogPolicy.swift",
     "let awaited = Awaited.allCases.first(where: { $0.status == job.status })",
     "let awaited = job.status.isTerminal ? nil : Optional(job.externalID == nil ? Awaited.submission : .completion)",
     "PolicyTests|SQLiteConformanceTests"),
    ("a notification's attempt is settled by an event two positions later", "Sources/LedgerStore/Log/AttemptRow.swift",
     "Settlement(position: recorded.position - 1, notificationID: step.notificationID, outcome: .delivered)",
     "Settlement(position: recorded.position - 2, notificationID: step.notificationID, outcome: .delivered)",
     "NotificationProjectionTests"),
    ("notifications retry once more than the schedule", "Sources/LedgerCore/Policies/RetrySchedule.swift",
     "attempt >= 1 && attempt <= delays.count ? delays[attempt - 1] : nil",
     "attempt >= 1 && attempt <= delays.count ? delays[attempt - 1] : (attempt == delays.count + 1 ? 1 : nil)", "PolicyTests|Notification"),

    # Routing.
    ("an orphan is adopted across providers", "Sources/LedgerSQLite/SQLiteBatchReads.swift",
     "WHERE o.provider = ? AND o.external_id = ? AND o.adopted_job_id IS NULL",
     "WHERE (o.provider = ? OR 1) AND o.external_id = ? AND o.adopted_job_id IS NULL", "LedgerRulesStore"),

    # Proofs.
    ("a leaf is hashed without its 0x00 prefix", "Sources/LedgerStore/Proofs/MerkleHash.swift",
     "hasher.update(data: [0x00])", "hasher.update(data: [0x02])", "MerkleTree"),
    ("an inclusion proof is accepted before it reaches the root's level", "Sources/LedgerStore/Proofs/MerkleTree.swift",
     "return top == 0 && hash == root", "return hash == root", "MerkleTree"),
    ("a note is accepted without its signature", "Sources/LedgerStore/Proofs/SignedNote.swift",
     "if verifier.verifies(Array(bytes.dropFirst(4)), of: text) { return text }", "return text",
     "IndependentProofChecker|SQLiteConformance"),
    ("a proof for another tree size is accepted", "Sources/LedgerStore/Proofs/ProofCheck.swift",
     "guard proof.treeSize == checkpoint.size else {", "guard true else {", "SQLiteConformance"),
    ("a stored subtree's children are swapped", "Sources/LedgerStore/Proofs/LogTree.swift",
     "made[MerkleTree.Subtree(level: level, index: index)] = .node(leftHash, rightHash)",
     "made[MerkleTree.Subtree(level: level, index: index)] = .node(rightHash, leftHash)", "SQLiteConformance"),

    # Rules moved into the core (2026-12-06).
    ("the decider records an operator action with a blank reason", "Sources/LedgerCore/Policies/OperatorAccountability.swift",
     'if text.allSatisfy(\\.isWhitespace) { return "\\(field) is required: it is recorded with what it did" }',
     'if text.isEmpty { return "\\(field) is required: it is recorded with what it did" }', "DeciderTests"),
    ("a notification is dead-lettered one attempt early", "Sources/LedgerCore/Decider/Decider+Notification.swift",
     "let wasTheLast = step.attempt >= attemptsMax", "let wasTheLast = step.attempt + 1 >= attemptsMax", "NotificationDecision"),
    ("a failure after a completion is no conflict", "Sources/LedgerCore/State/JobState.swift",
     "case (.failed, .completed), (.cancelled, .completed): return false",
     "case (.failed, .completed), (.cancelled, .completed), (.completed, .failed): return false", "DeciderTests|StateFold|SQLiteConformance"),
    ("a late progress report reopens a failed job", "Sources/LedgerCore/State/JobState+Fold.swift",
     "if status == .registered, reported == .queued || reported == .processing { status = .processing }",
     "if status == .registered || status == .failed, reported == .queued || reported == .processing { status = .processing }",
     "OrderIndependence"),

    # Writing.
    ("a batch decided against a stale head is written", "Sources/LedgerSQLite/SQLiteWriteDialect.swift",
     "if moved != nil { return .rollback }", "if moved != nil, false { return .rollback }", "SQLiteConformance"),
]
