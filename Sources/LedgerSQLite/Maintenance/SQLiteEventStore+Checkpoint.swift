import Crypto
import Foundation
import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    /// What the log says about a checkpoint now: nil when it still extends it.
    public func contradiction(of checkpoint: Checkpoint) async throws(StoreError) -> String? {
        try await read { db in
            guard let hash = try String.fetchOne(db, sql: "SELECT hash FROM events WHERE position = ?", arguments: [checkpoint.position]) else {
                return "the log has no event at the checkpoint's position \(checkpoint.position) (truncated?)"
            }
            guard hash == checkpoint.hash else {
                return "the hash at position \(checkpoint.position) is \(hash), the checkpoint says \(checkpoint.hash): history was rewritten"
            }
            let count = try Int64.fetchOne(db, sql: "SELECT count(*) FROM events WHERE position <= ?", arguments: [checkpoint.position]) ?? 0
            guard count == checkpoint.count else {
                return "\(count) events up to position \(checkpoint.position), the checkpoint says \(checkpoint.count)"
            }
            return nil
        }
    }
}
