/// The admin pages' only asset, served by the ledger (production networks often have no internet).
enum AdminAssets {
    static let css = """
        :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #fafafa; }
        body { margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
        nav { display: flex; gap: 1rem; padding: .75rem 0; border-bottom: 1px solid #ccd; }
        a { color: #0b57d0; } a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f6b400; outline-offset: 2px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .9rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { border: 1px solid #dde; padding: .3rem .5rem; text-align: left; vertical-align: top; }
        tr.changed td { background: #fff7d6; } td.change { color: #8a4b00; font-weight: 600; }
        code, pre { font-size: .85rem; white-space: pre-wrap; word-break: break-all; }
        form { margin: 1rem 0; display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; }
        label { display: flex; flex-direction: column; font-size: .85rem; gap: .2rem; }
        input, select, button { font: inherit; padding: .35rem .5rem; }
        button { background: #0b57d0; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
        .error { color: #a50e0e; } .ok { color: #146c2e; }
        svg rect.s0 { fill: #0b57d0; } svg rect.s1 { fill: #e37400; } svg rect.s2 { fill: #188038; }
        svg rect.s3 { fill: #a142f4; } svg rect.s4 { fill: #5f6368; } svg .axis { font-size: 10px; fill: #444; }
        .legend::before { content: "■ "; } .legend.s0::before { color: #0b57d0; } .legend.s1::before { color: #e37400; }
        .legend.s2::before { color: #188038; } .legend.s3::before { color: #a142f4; } .legend.s4::before { color: #5f6368; }
        figure { margin: 1rem 0; background: #fff; border: 1px solid #dde; padding: .5rem; }
        """
}
