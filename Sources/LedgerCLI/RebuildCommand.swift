import ArgumentParser
import LedgerPostgres
import LedgerStore

/// `ledger rebuild [--check | --tree]`.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the projections, or the stored Merkle tree, from the log alone.",
        discussion: """
            Reads the log stream by stream in constant memory; progress goes to stderr.
            --check rebuilds beside the live tables and compares them instead of replacing
            them: exit 1 on any difference. --tree rebuilds the stored Merkle tree (what
            proofs and checkpoints are made from) from the events' chain hashes instead,
            overwriting every stored subtree: for `ledger verify`'s FAIL tree or the error
            "the stored Merkle tree is damaged". Run `ledger verify`
            first (the tree is made from the chain as stored) and stop `ledger serve` on
            every node while it runs. On SQLite, rebuild and rebuild --tree refuse (exit 3)
            while serve holds the file; --check only reads and runs beside it.

            Examples:
              ledger rebuild
              ledger rebuild --check
              ledger rebuild --tree
            """
    )

    @OptionGroup var database: DatabaseOption
    @Flag(help: "Compare a rebuild with the live tables instead of replacing them.") var check = false
    @Flag(help: "Rebuild the stored Merkle tree from the chain instead of the projections.") var tree = false

    func validate() throws {
        guard !(check && tree) else { throw ValidationError("--check compares the projections; --tree rebuilds the Merkle tree: give one") }
    }

    func run() async throws {
        let configuration = try database.configuration()
        if !check, !PostgresLocation.isPostgresURL(configuration.databaseLocation) {
            // (On PostgreSQL the operator stops every node, as the discussion says: no lock spans hosts.)
            try ServeLock.hold(sqliteDatabase: configuration.databaseLocation, for: tree ? "rebuild --tree" : "rebuild")
        }
        try await configuration.withExisting { store in
            if tree {
                let progress = reportProgress("rebuild --tree")
                let leaves = try await storeCall { () async throws(StoreError) in
                    try await LogTree(storage: store).rebuildStored(head: { () async throws(StoreError) in try await store.head().position },
                                                                    progress: progress)
                }
                writeOut("rebuilt the stored Merkle tree over \(leaves) events")
                return
            }
            let progress = reportProgress(check ? "rebuild --check" : "rebuild")
            if !check {
                let count = try await storeCall { () async throws(StoreError) in try await store.rebuild(progress: progress) }
                writeOut("rebuilt the projections from \(count) events")
                return
            }
            let result = try await storeCall { () async throws(StoreError) in try await store.rebuildCheck(progress: progress) }
            guard result.matches else {
                for (table, difference) in result.differences.sorted(by: { $0.key < $1.key }) {
                    writeOut("\(table): \(difference.onlyLive) rows only live, \(difference.onlyRebuilt) only rebuilt"
                             + (difference.example.map { " (first: \($0))" } ?? ""))
                }
                throw CommandFailure(.checkFailed, "the live projections differ from a rebuild; run `ledger rebuild`")
            }
            writeOut("projections match a rebuild from \(result.eventsRead) events")
        }
    }
}
