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

    # Verify's invariants (SQLite's SQL; PostgreSQL's are the same rules, run by the full suite).
    ("verify misses a second terminal outcome", "Sources/LedgerSQLite/Maintenance/Verifier.swift",
     "WHERE n = 2 ORDER BY 1 LIMIT 1", "WHERE n = 99 ORDER BY 1 LIMIT 1", "SQLiteConformance"),
    ("verify misses a failed job without its refund", "Sources/LedgerSQLite/Maintenance/Verifier.swift",
     "json_extract(g.data, '$.cost') > 0", "json_extract(g.data, '$.cost') > 1000000", "SQLiteConformance"),
    ("verify misses a refund that differs from the cost", "Sources/LedgerSQLite/Maintenance/Verifier.swift",
     "WHERE r.type = 'credit.refunded' AND json_extract(r.data, '$.amount') != json_extract(g.data, '$.cost')",
     "WHERE r.type = 'credit.refunded' AND 0", "SQLiteConformance"),
    ("verify misses a refund of a completed job", "Sources/LedgerSQLite/Maintenance/Verifier.swift",
     "JOIN events c ON c.stream = r.stream AND c.type = 'job.completed'",
     "JOIN events c ON c.stream = r.stream AND c.type = 'job.nothing'", "SQLiteConformance"),
    ("verify misses a recharge without a late completion", "Sources/LedgerSQLite/Maintenance/Verifier.swift",
     "OR NOT EXISTS (SELECT 1 FROM events l WHERE l.stream = c.stream AND l.type = 'job.late_completion')",
     "OR 0", "SQLiteConformance"),
    ("verify misses a refund to another account", "Sources/LedgerSQLite/Maintenance/Verifier.swift",
     "AND json_extract(r.data, '$.account') IS NOT json_extract(g.data, '$.account')", "AND 0", "SQLiteConformance"),

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
     "if age > deadline {", "if age >= deadline {", "PolicyTests"),
    ("the watchdog polls at stuck_after, not past it", "Sources/LedgerCore/Policies/WatchdogPolicy.swift",
     "return age > stuckAfter ?", "return age >= stuckAfter ?", "PolicyTests"),
    ("the watchdog flags an unsubmitted job at submit_deadline", "Sources/LedgerCore/Policies/WatchdogPolicy.swift",
     "return age > submitDeadline ?", "return age >= submitDeadline ?", "PolicyTests"),
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

    # Writing.
    ("a batch decided against a stale head is written", "Sources/LedgerSQLite/SQLiteWriteDialect.swift",
     "if moved != nil { return .rollback }", "if moved != nil, false { return .rollback }", "SQLiteConformance"),
]
