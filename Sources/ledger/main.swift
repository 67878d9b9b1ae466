import LedgerCLI

await Ledger.runMain()
