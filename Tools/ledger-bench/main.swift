import Foundation
import LedgerCore
import LedgerStore
import LedgerTesting

// ledger-bench: the kernel's figures in one run, each next to its baseline.
// Medians of --runs runs; the machine is shared and noisy, so read the ratios.

let usage = """
    usage: ledger-bench [--log-events N] [--runs N] [--dir DIR] [--log PATH] [--skip-appends yes] [--rebuild-only yes]
           ledger-bench --retention [events] [body bytes] [--default-step-only]   bytes per event, retention's ingest pause
           ledger-bench --retention-postgres [events] [body bytes]                the same log's space on PostgreSQL
           ledger-bench --postgres-log [events]                                   the log workload on PostgreSQL, then rebuild --check
           ledger-bench --proofs [events] [--write-path-only]                     the Merkle tree's cost, storage, proofs, checkpoints
           ledger-bench --webhooks | --micro
    Build it in release: swift build -c release --product ledger-bench
    """

/// A bad command line: the usage on stderr, exit 2 (never a crash).
func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ledger-bench: \(message)\n\(usage)\n".utf8))
    exit(2)
}

struct Settings {
    var logEvents = 1_000_000
    var runs = 3
    var directory = FileManager.default.temporaryDirectory.path
    /// A log to reuse (generated there first when missing), to iterate on rebuild and replay.
    var logPath: String?
    var skipAppends = false
    var rebuildOnly = false

    init(arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            if flag == "--help" || flag == "-h" { print(usage); exit(0) }
            guard let value = rest.popFirst() else { usageError("\(flag) needs a value") }
            switch flag {
            case "--log-events": logEvents = Self.count(value, flag)
            case "--runs": runs = Self.count(value, flag)
            case "--dir": directory = value
            case "--log": logPath = value
            case "--skip-appends": skipAppends = value == "yes"
            case "--rebuild-only": rebuildOnly = value == "yes"
            default: usageError("unknown flag \(flag)")
            }
        }
    }

    private static func count(_ value: String, _ flag: String) -> Int {
        guard let count = Int(value), count > 0 else { usageError("\(flag) takes a positive whole number, not \(value)") }
        return count
    }
}

func runBenchmarks() async throws {
    if CommandLine.arguments.dropFirst().first == "--webhooks" {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-bench-\(getpid()).sqlite").path
        for _ in 0..<3 { try await WebhookBenchmark(path: path + "-\(UUID().uuidString)").run() }
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "--retention" {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var benchmark = RetentionBenchmark(folder: folder)
        if let events = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) { benchmark.events = events }
        if let bytes = CommandLine.arguments.dropFirst(3).first.flatMap(Int.init) { benchmark.bodyBytes = bytes }
        benchmark.defaultStepOnly = CommandLine.arguments.contains("--default-step-only")
        try await benchmark.run()
        try? FileManager.default.removeItem(at: folder)
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "--retention-postgres" {
        var benchmark = PostgresRetentionBenchmark()
        if let events = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) { benchmark.events = events }
        if let bytes = CommandLine.arguments.dropFirst(3).first.flatMap(Int.init) { benchmark.bodyBytes = bytes }
        try await benchmark.run()
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "--postgres-log" {
        var benchmark = PostgresLogBenchmark()
        if let events = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) { benchmark.events = events }
        try await benchmark.run()
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "--proofs" {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proof-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var benchmark = ProofBenchmark(folder: folder)
        if let events = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) { benchmark.events = events }
        benchmark.writePathOnly = CommandLine.arguments.contains("--write-path-only")
        try await benchmark.run()
        try? FileManager.default.removeItem(at: folder)
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "--micro" {
    try await MicroBenchmark().run()
    exit(0)
}
let settings = Settings(arguments: CommandLine.arguments)
    var report = Report()
    let folder = URL(fileURLWithPath: settings.directory).appendingPathComponent("ledger-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    func freshPath(_ name: String) -> String {
        let path = folder.appendingPathComponent(name).path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return path
    }

    print("ledger-bench: \(settings.runs) runs, log of \(settings.logEvents) events, in \(folder.path)")
    if !settings.skipAppends { try await AppendBenchmark(runs: settings.runs, freshPath: freshPath).run(into: &report) }
    let logPath = settings.logPath ?? freshPath("log.sqlite")
    if settings.logEvents > 0 { try await LogBenchmark(path: logPath, events: settings.logEvents, runs: settings.runs, rebuildOnly: settings.rebuildOnly).run(into: &report) }
    print("")
    report.printTable()
    try? FileManager.default.removeItem(at: folder)
}

try await runBenchmarks()
