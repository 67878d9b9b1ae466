/// The admin pages' only asset, served by the ledger (production networks often have no internet).
enum AdminAssets {
    static let css = """
        :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #fafafa; }
        body { margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
        nav { display: flex; gap: 1rem; padding: .75rem 0; border-bottom: 1px solid #ccd; align-items: baseline; }
        nav form.signout { margin: 0 0 0 auto; } nav form.signout button { padding: .15rem .5rem; font-size: .85rem; }
        a { color: #0b57d0; } a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f6b400; outline-offset: 2px; }
        table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .9rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        thead th { overflow-wrap: normal; } h1, h2, p, dd, li, td a { overflow-wrap: anywhere; }
        th, td { border: 1px solid #dde; padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
        tr.changed td { background: #fff7d6; } td.change { color: #8a4b00; font-weight: 600; }
        code, pre { font-size: .85rem; white-space: pre-wrap; word-break: break-all; }
        form { margin: 1rem 0; display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; }
        label { display: flex; flex-direction: column; font-size: .85rem; gap: .2rem; }
        input, select, button { font: inherit; padding: .35rem .5rem; }
        button { background: #0b57d0; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
        .error { color: #a50e0e; } .ok { color: #146c2e; }
        svg .s0 { fill: #0b57d0; stroke: #0b57d0; } svg .s1 { fill: #e37400; stroke: #e37400; } svg .s2 { fill: #188038; stroke: #188038; }
        svg .s3 { fill: #a142f4; stroke: #a142f4; } svg .s4 { fill: #5f6368; stroke: #5f6368; } svg rect { stroke: none; }
        svg polyline.line { fill: none; stroke-width: 2; } svg .axis { font-size: 11px; fill: #3c4043; }
        svg line.grid { stroke: #e3e5e8; } svg line.baseline { stroke: #5f6368; } svg .unit { font-weight: 600; }
        ul.legends { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: .25rem 0; padding: 0; font-size: .85rem; }
        .legend.bar::before { content: "■ "; } .legend.line::before { content: "━ "; }
        .legend.s0::before { color: #0b57d0; } .legend.s1::before { color: #e37400; }
        .legend.s2::before { color: #188038; } .legend.s3::before { color: #a142f4; } .legend.s4::before { color: #5f6368; }
        figure { margin: 1rem 0; background: #fff; border: 1px solid #dde; padding: .5rem; }
        ul.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem; list-style: none; padding: 0; }
        .tile a { display: block; padding: .6rem .75rem; border: 1px solid #dde; border-radius: 6px; background: #fff; text-decoration: none; color: #1b1f24; }
        .tile .count { display: block; font-size: 1.6rem; font-variant-numeric: tabular-nums; }
        .tile.alert a { border-color: #c5221f; background: #fce8e6; } .tile.alert .count { color: #8c1d18; }
        p.pager { display: flex; gap: 1rem; } td pre { margin: 0; } tbody th { font-weight: 600; background: #f8f9fa; }
        td { overflow-wrap: anywhere; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        small.exact { display: block; color: #555; font-size: .75rem; } .none { color: #5f6368; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: .7rem; border: 1px solid; font-size: .8rem; white-space: nowrap; }
        .badge.good { background: #e6f4ea; color: #0d5223; } .badge.bad { background: #fce8e6; color: #8c1d18; }
        .badge.open { background: #e8f0fe; color: #133f8c; } .badge.quiet { background: #f1f3f4; color: #3c4043; }
        p.empty { color: #444; } pre.command { background: #f1f3f4; padding: .5rem; overflow-wrap: anywhere; white-space: pre-wrap; }
        details pre { max-height: 24rem; overflow: auto; background: #fff; } summary { cursor: pointer; }
        @media (max-width: 40rem) {
          nav { flex-wrap: wrap; gap: .5rem 1rem; }
          table, thead, tbody, tr, td, caption, tbody th { display: block; width: auto; }
          tbody th { border: 0; background: #f1f3f4; }
          thead { position: absolute; left: -9999px; }
          tr { border: 1px solid #dde; margin: .5rem 0; background: #fff; }
          td { border: 0; border-bottom: 1px solid #eef; display: grid; grid-template-columns: minmax(6rem, 42%) 1fr; gap: .5rem; }
          td::before { content: attr(data-label); font-weight: 600; color: #333; }
          td.num { text-align: left; white-space: normal; } td a { overflow-wrap: anywhere; }
        }
        """
}
