import CrashSimVFS
import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Synchronization
import Testing

/// Power loss under the real store: the CrashSimVFS shim
/// keeps every version of each sector written since its file's last sync and,
/// at a crash point chosen by the seed, writes the disk as it might be after
/// the power came back (unsynced sectors rolled back or torn, independently),
/// and the synced-only image (the least any disk would hold). Every commit
/// acknowledged before the last sync must be in the synced-only image; the
/// ledger reopened on either image must be a prefix of what was written,
/// verify and rebuild to the same projections; the random image holds at
/// least what the synced-only one does. `LEDGER_POWER_LOSS_SEEDS` sets the run count
/// (the long run: 5000).
@Suite(.serialized) struct PowerLossTests {
    static let seedCount = UInt64(ProcessInfo.processInfo.environment["LEDGER_POWER_LOSS_SEEDS"] ?? "") ?? 150

    @Test func underFullDurabilityEveryAcknowledgedCommitSurvives() async throws {
        let summary = try await Self.runSeeds(durability: .full)
        // The shim must really have destroyed unsynced writes, or this test proves nothing.
        #expect(summary.sectorsRolledBack > 0 && summary.sectorsTorn > 0, "\(summary)")
        #expect(summary.crashesInCheckpoints > 0, "no crash landed in a checkpoint: \(summary)")
    }

    @Test func underNormalDurabilityWhatWasSyncedSurvivesAndTheRestMayNot() async throws {
        let summary = try await Self.runSeeds(durability: .normal)
        // Normal durability does not sync each commit: some acknowledged commits
        // after the last sync are lost. The harness must see that, or it could not
        // see a loss under full durability either.
        #expect(summary.acknowledgedButLost > 0, "\(summary)")
    }

    private static func runSeeds(durability: StoreOptions.Durability) async throws -> PowerLossSummary {
        var summary = PowerLossSummary()
        for seed in 1...seedCount {
            let result = try await PowerLossRun(seed: seed, durability: durability).perform()
            summary.add(result)
            #expect(result.failures.isEmpty, "\(durability) seed \(seed): \(result.failures)")
            if !result.failures.isEmpty { break }
        }
        print("power loss, \(durability): \(summary)")
        return summary
    }
}

/// One seeded run: a random workload through the live store, a crash image
/// taken somewhere inside it, the image reopened and checked.
struct PowerLossRun {
    let seed: UInt64
    let durability: StoreOptions.Durability

    func perform() async throws -> PowerLossResult {
        let directory = Self.scratchDirectory()
        let image = directory + "/image", synced = directory + "/synced"
        for folder in [image, synced] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        defer {
            crashsim_stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        _ = crashsim_register()
        crashsim_track(directory)
        var generator = SeededGenerator(seed: seed)
        let options = storeOptions(using: &generator)
        let (written, acknowledgements) = try await writeUntilCrash(
            path: directory + "/ledger.sqlite", images: (image, synced), options: options, generator: &generator)
        crashsim_stop()
        var result = PowerLossResult(crashedInCheckpoint: crashsim_crashed_in_database_write() != 0)
        result.recordSectors()
        if crashsim_model_violations() > 0 {
            result.failures.append("\(crashsim_model_violations()) file creations, deletions or shrinks the model does not cover")
        }
        let leastHead = await check(synced + "/ledger.sqlite", options: options, written: written, into: &result)
        let head = await check(image + "/ledger.sqlite", options: options, written: written, into: &result)
        guard let leastHead, let head else { return result }
        if head.position < leastHead.position {
            result.failures.append("the image lost synced commits: head \(head.position) < \(leastHead.position)")
        }
        let walSyncsAtCrash = crashsim_wal_syncs()
        for acknowledgement in acknowledgements where !acknowledgement.afterCrash {
            guard let position = acknowledgement.lastPosition else { continue }
            let required = durability == .full || walSyncsAtCrash > acknowledgement.walSyncs
            if required, position > leastHead.position {
                result.failures.append("acknowledged position \(position) was not synced (synced head \(leastHead.position))")
            }
            if position > head.position { result.acknowledgedButLost += 1 }
        }
        return result
    }

    private func storeOptions(using generator: inout SeededGenerator) -> StoreOptions {
        var options = StoreOptions(durability: durability,
                                   lateCompletionPolicy: Bool.random(using: &generator) ? .keepRefund : .recharge)
        // Small WAL thresholds make checkpoints (and WAL restarts) frequent, so crashes land in them.
        options.walAutocheckpointPages = [4, 16, 1000].randomElement(using: &generator)!
        options.notificationsEnabled = Bool.random(using: &generator)
        options.commitBatchCountMax = [1, 8, 512].randomElement(using: &generator)!
        return options
    }

    /// Runs the workload (concurrently, so group commits batch) with the crash
    /// armed; returns every event written and each acknowledgement as seen.
    private func writeUntilCrash(path: String, images: (String, String), options: StoreOptions,
                                 generator: inout SeededGenerator) async throws
        -> (written: [Int64: String], acknowledgements: [Acknowledgement]) {
        let store = try SQLiteEventStore(path: path, options: options)
        let requests = RandomWorkload(jobCount: 8, stepsPerJob: 6).requests(using: &generator)
        let concurrency = Int.random(in: 1...6, using: &generator)
        // A WAL frame is two writes, a commit one sync more: the range covers the whole run.
        crashsim_arm(images.0, images.1, seed, UInt64.random(in: 1...UInt64(requests.count * 12), using: &generator), 15)
        let acknowledgements = AcknowledgementLog()
        for start in stride(from: 0, to: requests.count, by: concurrency) {
            let chunk = requests[start..<min(start + concurrency, requests.count)]
            await withTaskGroup(of: Void.self) { group in
                for request in chunk {
                    group.addTask {
                        guard let outcome = try? await store.execute(request) else { return }
                        // Read after the commit returned: crashed 0 here means the commit preceded the crash.
                        let seen = Acknowledgement(lastPosition: outcome.appended.map(\.position).max(),
                                                   afterCrash: crashsim_crashed() != 0,
                                                   walSyncs: crashsim_wal_syncs())
                        acknowledgements.entries.withLock { $0.append(seen) }
                    }
                }
            }
            // The Merkle tree extended between commits, as serve's follower does: its commits
            // skip their own sync, and must not take a checkpoint's sync with them.
            if let head = try? await store.head() { try? await LogTree(storage: store).extend(to: head.position) }
        }
        crashsim_crash_now()  // a crash point past the end: the image of a clean stop
        var written: [Int64: String] = [:]
        for event in try await store.events(after: 0, limit: Int.max) { written[event.position] = event.hash }
        return (written, acknowledgements.entries.withLock { $0 })
    }

    /// Opens an image: its log must be a prefix of what was written, verify,
    /// rebuild to the same projections and take a new write. Returns its head.
    private func check(_ path: String, options: StoreOptions, written: [Int64: String],
                       into result: inout PowerLossResult) async -> ChainHead? {
        do {
            let recovered = try SQLiteEventStore(path: path, options: options)
            let head = try await recovered.head()
            if head.position > 0, written[head.position] != head.hash {
                result.failures.append("\(path): head \(head.position) is not in the history written")
            }
            let report = try await recovered.verify()
            if !report.isSound { result.failures.append("\(path): verify: \(report.findings)") }
            let rebuild = try await recovered.rebuildCheck()
            if !rebuild.matches { result.failures.append("\(path): rebuild --check: \(rebuild.differences)") }
            _ = try await recovered.execute(Fixtures.register("after_power_loss"))
            if try await !recovered.verify().isSound { result.failures.append("\(path): verify after a new write failed") }
            return head
        } catch {
            result.failures.append("\(path): the recovered ledger failed: \(error)")
            return nil
        }
    }

    private static func scratchDirectory() -> String {
        // tmpfs when there is one: the shim models durability, the disk's fsync adds only time.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return base + "/ledger-power-loss-\(UUID().uuidString)"
    }
}

struct Acknowledgement: Sendable {
    var lastPosition: Int64?
    var afterCrash: Bool
    var walSyncs: UInt64
}

final class AcknowledgementLog: Sendable {
    let entries = Mutex<[Acknowledgement]>([])
}

struct PowerLossResult {
    var crashedInCheckpoint: Bool
    var failures: [String] = []
    var acknowledgedButLost = 0
    var sectorsPending: UInt64 = 0
    var sectorsRolledBack: UInt64 = 0
    var sectorsTorn: UInt64 = 0

    mutating func recordSectors() {
        sectorsPending = crashsim_sectors_pending()
        sectorsRolledBack = crashsim_sectors_rolled_back()
        sectorsTorn = crashsim_sectors_torn()
    }
}

struct PowerLossSummary: CustomStringConvertible {
    var runs = 0
    var crashesInCheckpoints = 0
    var acknowledgedButLost = 0
    var sectorsPending: UInt64 = 0
    var sectorsRolledBack: UInt64 = 0
    var sectorsTorn: UInt64 = 0

    mutating func add(_ result: PowerLossResult) {
        runs += 1
        crashesInCheckpoints += result.crashedInCheckpoint ? 1 : 0
        acknowledgedButLost += result.acknowledgedButLost
        sectorsPending += result.sectorsPending
        sectorsRolledBack += result.sectorsRolledBack
        sectorsTorn += result.sectorsTorn
    }

    var description: String {
        "\(runs) runs, \(crashesInCheckpoints) crashes during a checkpoint, \(sectorsPending) unsynced sectors "
            + "(\(sectorsRolledBack) rolled back, \(sectorsTorn) torn), \(acknowledgedButLost) acknowledged "
            + "commits lost where the durability allows it"
    }
}
