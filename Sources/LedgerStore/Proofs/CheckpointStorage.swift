/// Where an engine keeps the signed checkpoint notes written (`serve`'s
/// checkpoint service, `ledger checkpoint`), one per tree size.
public protocol CheckpointStorage: Sendable {
    /// Keeps `note`, the checkpoint of tree size `size` (a later note of the same size replaces it).
    func saveCheckpoint(_ note: String, size: Int64) async throws(StoreError)
    /// The note of the largest tree size kept, or nil before the first.
    func newestCheckpoint() async throws(StoreError) -> String?
}
