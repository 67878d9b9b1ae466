import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger replay`: a job's timeline, each event with the state right after it.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Show a job's timeline: each event and the job's state after it.",
        discussion: """
            --as-of stops at the last event recorded at or before a UTC time; --position
            stops at a global position. Exit 1 when the job is unknown, did not exist
            yet then, or the position is past the log's head.

            Examples:
              ledger replay job_42
              ledger replay job_42 --as-of 2026-11-23T10:00:00Z --format json
            """
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The job id.") var jobID: String
    @Option(name: .customLong("as-of"), help: "Replay up to this UTC time (2026-11-23T10:00:00Z).") var asOf: String?
    @Option(help: ArgumentHelp("Replay up to this global position.",
                               discussion: "It may stop inside one write (a failure before its refund): a state no reader saw. --as-of shows states as they were committed."))
    var position: Int64?
    @Option(help: "text or json.") var format = OutputFormat.text

    func validate() throws {
        if asOf != nil, position != nil { throw ValidationError("give --as-of or --position, not both") }
        if let asOf, Timestamp(iso8601: asOf) == nil {
            throw ValidationError("--as-of \(asOf) is not a UTC time like 2026-11-23T10:00:00Z")
        }
        if let position, position < 1 { throw ValidationError("--position must be 1 or more") }
    }

    func run() async throws {
        let configuration = try database.configuration()
        try await configuration.withExisting { store in
            let limit: ReplayLimit = position.map { .position($0) } ?? asOf.flatMap(Timestamp.init(iso8601:)).map { .asOf($0) } ?? .none
            guard let timeline = try await storeCall({ () async throws(StoreError) in
                try await store.replay(jobID: jobID, until: limit)
            }) else {
                throw CommandFailure(.checkFailed, "no job \(jobID) in \(configuration.databaseLocation)")
            }
            // As the API answers: a job asked about before its registration was not there then.
            guard !timeline.steps.isEmpty else { throw CommandFailure(.checkFailed, "job \(jobID) did not exist yet then") }
            if let pastHead = try await storeCall({ () async throws(StoreError) in try await store.pastHead(limit) }) {
                throw CommandFailure(.checkFailed, pastHead + "; leave --position out for the job as it is now")
            }
            switch format {
            case .json: writeOut(Self.json(timeline))
            case .text: writeOut(Self.text(timeline))
            }
        }
    }

    static func json(_ timeline: JobTimeline) -> String {
        struct Step: Encodable { var event: EventResource; var state: JobSnapshot }
        struct Document: Encodable {
            var jobID: String
            var timeline: [Step]
            var state: JobSnapshot
            enum CodingKeys: String, CodingKey { case jobID = "job_id", timeline, state }
        }
        let document = Document(jobID: timeline.jobID,
                                timeline: timeline.steps.map { Step(event: EventResource($0.stored), state: JobSnapshot($0.state)) },
                                state: JobSnapshot(timeline.state))
        return encodePretty(document)
    }

    static func text(_ timeline: JobTimeline) -> String {
        var lines = ["job \(timeline.jobID): \(timeline.steps.count) events"]
        for step in timeline.steps {
            let event = step.stored
            lines.append("#\(event.position)  v\(event.version)  \(event.recordedAt)  \(event.type)  \(summary(event))")
            lines.append("    -> \(describe(step.state))")
        }
        return lines.joined(separator: "\n")
    }

    private static func summary(_ event: StoredEvent) -> String {
        guard case .object(let data) = JSONValue(jsonText: event.data) ?? .null else { return "" }
        // What an on-call reads a timeline for: a poll's answer, who acted, each notification attempt.
        let keys = ["source", "reported_status", "raw_status", "http_status", "transport_error", "error", "duplicate", "amount",
                    "cost", "external_id", "decision", "operator", "action", "reason", "policy", "evidence_position", "adopted_from",
                    "notification_id", "event", "attempt"]
        return keys.compactMap { key in data[key].map { "\(key)=\(brief($0))" } }.joined(separator: " ")
    }

    private static func brief(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): String(flag)
        default: value.jsonText
        }
    }

    static func describe(_ state: JobState) -> String {
        var parts = ["status=\(state.status.rawValue)"]
        if let source = state.completionSource { parts.append("source=\(source.rawValue)") }
        parts.append("cost=\(state.cost)")
        parts.append("refunded=\(state.refundedAmount)")
        if state.rechargedAmount > 0 { parts.append("recharged=\(state.rechargedAmount)") }
        parts.append("webhooks=\(state.webhookCount)")
        if state.duplicateCount > 0 { parts.append("duplicates=\(state.duplicateCount)") }
        if state.pollCount > 0 { parts.append("polls=\(state.pollCount)") }
        if state.conflictCount > 0 { parts.append("conflicts=\(state.conflictCount)") }
        if state.lateCompletedAt != nil { parts.append("late_completion") }
        return parts.joined(separator: " ")
    }
}

func encodePretty(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch {
        preconditionFailure("command output always encodes: \(error)")
    }
}
