import Foundation
import LedgerCore
import LedgerStore
import LedgerTesting

// ledger-bench: the kernel's figures in one run, each next to its baseline.
// Medians of --runs runs; the machine is shared and noisy, so read the ratios.

let usage = """
    usage: ledger-bench [--log-events N (0: appends only)] [--runs N] [--dir DIR] [--log PATH] [--skip-appends yes] [--rebuild-only yes]
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
            guard let value = rest.popFirst() else { usageError("\(flag) needs a value") }
            switch flag {
            case "--log-events": logEvents = Self.count(value, flag, least: 0)
            case "--runs": runs = Self.count(value, flag, least: 1)
            case "--dir": directory = value
            case "--log": logPath = value
            case "--skip-appends": skipAppends = Self.yes(value, flag)
            case "--rebuild-only": rebuildOnly = Self.yes(value, flag)
            default: usageError("unknown flag \(flag)")
            }
        }
    }

    private static func count(_ value: String, _ flag: String, least: Int) -> Int {
        guard let count = Int(value), count >= least else { usageError("\(flag) takes a whole number from \(least), not \(value)") }
        return count
    }

    private static func yes(_ value: String, _ flag: String) -> Bool {
        guard value == "yes" || value == "no" else { usageError("\(flag) takes yes or no, not \(value)") }
        return value == "yes"
    }
}

/// A mode's arguments after its name: up to `countsMax` whole numbers (0 or
/// more), in order, and the named flags; anything else is a usage error.
struct ModeArguments {
    var counts: [Int] = []
    var flags: Set<String> = []

    init(countsMax: Int, flags known: Set<String> = []) {
        for argument in CommandLine.arguments.dropFirst(2) {
            if known.contains(argument) {
                flags.insert(argument)
            } else if let count = Int(argument), count >= 0, counts.count < countsMax {
                counts.append(count)
            } else {
                usageError("\(CommandLine.arguments[1]) does not take \(argument)")
            }
        }
    }

    func count(_ index: Int) -> Int? { index < counts.count ? counts[index] : nil }
}

func runBenchmarks() async throws {
    if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") { print(usage); exit(0) }
    let mode = CommandLine.arguments.dropFirst().first
    if mode == "--webhooks" {
        _ = ModeArguments(countsMax: 0)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-bench-\(getpid()).sqlite").path
        for _ in 0..<3 { try await WebhookBenchmark(path: path + "-\(UUID().uuidString)").run() }
        exit(0)
    }
    if mode == "--retention" {
        let arguments = ModeArguments(countsMax: 2, flags: ["--default-step-only"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var benchmark = RetentionBenchmark(folder: folder)
        if let events = arguments.count(0) { benchmark.events = events }
        if let bytes = arguments.count(1) { benchmark.bodyBytes = bytes }
        benchmark.defaultStepOnly = arguments.flags.contains("--default-step-only")
        try await benchmark.run()
        try? FileManager.default.removeItem(at: folder)
        exit(0)
    }
    if mode == "--retention-postgres" {
        let arguments = ModeArguments(countsMax: 2)
        var benchmark = PostgresRetentionBenchmark()
        if let events = arguments.count(0) { benchmark.events = events }
        if let bytes = arguments.count(1) { benchmark.bodyBytes = bytes }
        try await benchmark.run()
        exit(0)
    }
    if mode == "--postgres-log" {
        let arguments = ModeArguments(countsMax: 1)
        var benchmark = PostgresLogBenchmark()
        if let events = arguments.count(0) { benchmark.events = events }
        try await benchmark.run()
        exit(0)
    }
    if mode == "--proofs" {
        let arguments = ModeArguments(countsMax: 1, flags: ["--write-path-only"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proof-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var benchmark = ProofBenchmark(folder: folder)
        if let events = arguments.count(0) { benchmark.events = events }
        benchmark.writePathOnly = arguments.flags.contains("--write-path-only")
        try await benchmark.run()
        try? FileManager.default.removeItem(at: folder)
        exit(0)
    }
    if mode == "--micro" {
        _ = ModeArguments(countsMax: 0)
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
