import LedgerStore
import PostgresNIO

extension PostgresEventStore {
    /// Takes the lease when it is free or has lapsed, renews it for its
    /// holder, and answers nil while another holder's lease runs: one
    /// statement, so two nodes claiming at once cannot both win.
    public func claimLease(_ name: String, holder: String, milliseconds: Int64) async throws(StoreError) -> Lease? {
        try await reading { [self] connection in
            try await rows("""
                INSERT INTO ledger_leases AS l (name, holder, epoch, expires_at)
                VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
                    epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at >= now() THEN l.epoch ELSE l.epoch + 1 END
                WHERE l.holder = excluded.holder OR l.expires_at < now()
                RETURNING epoch, expires_at::text AS expires_at
                """, [.text(name), .text(holder), .integer(milliseconds)], on: connection, logger: logger).first.map { row in
                Lease(name: name, holder: holder, epoch: row.integer("epoch") ?? 1, expiresAt: row.text("expires_at") ?? "")
            }
        }
    }

    /// The leases' epoch is kept: the next holder's claim takes the next one,
    /// so a late write of this holder is refused as before.
    public func releaseLeases(holder: String) async {
        _ = try? await reading { [self] connection in
            try await run("UPDATE ledger_leases SET expires_at = now() - interval '1 millisecond' WHERE holder = $1 AND expires_at >= now()",
                          [.text(holder)], on: connection, logger: logger)
        }
    }
}
