// Compiled by `tsc --noEmit` (see types.test.js): the public API as a TypeScript user writes
// it must type-check against lib.d.ts, and misuse must not.
import {
  type AssetTarget,
  type Plan,
  type Report,
  type SyncConfig,
  ConfigError,
  OktaSyncError,
  SafetyBrakeTrippedError,
  SyncEngine,
  explain,
  loadConfig,
  mapUser,
  planOffline,
  planSummary,
  reportSummary,
  validateConfig,
} from '../lib.js'

const target: AssetTarget = {
  name: 'memory',
  capabilities: () => ({
    list_records: true, list_logins: true, create_login: true, change_role: true,
    deactivate_login: true, reactivate_login: true, ungrantable_roles: [], batch_limit: 5,
  }),
  holdings: async () => ({ records: [], logins: [], listed: true }),
  lookup: (_mapping, _field, _values) => ({ records: [], logins: [], listed: true }),
  write: async (batch) => batch.map((w, i) => (w.op === 'create_record' ? { result: 'done', id: `r${i}` } : { result: 'failed', reason: 'no', retryable: false })),
}

export async function demo(path: string): Promise<void> {
  const config: SyncConfig = loadConfig(path)
  validateConfig(config)
  const mapped = mapUser(config, config.mappings[0].name, { id: '00u1', status: 'ACTIVE', profile: { email: 'a@example.com' } })
  const fields: Record<string, unknown> = mapped.fields
  const why: boolean = explain(path, 'admins', { id: '00u1', status: 'ACTIVE', profile: {} }, ['Admins']).admitted
  const engine = await SyncEngine.create(config, { target, secrets: { okta: 'x' }, progress: (e) => { if (e.event === 'page_fetched') console.log(e.listing, e.items) } })
  const plan: Plan = await engine.plan({ mode: 'delta' })
  try {
    const report: Report = await engine.apply(plan)
    console.log(reportSummary(report), report.counts.create_record?.done)
  } catch (err) {
    if (err instanceof SafetyBrakeTrippedError) {
      console.log(err.planHash, err.counts.inScope)
      await engine.apply(plan, { approval: err.planHash })
    } else if (err instanceof ConfigError) {
      console.log(err.problems?.map((p) => p.path))
    } else if (err instanceof OktaSyncError) {
      console.log(err.code)
    }
  }
  const { report } = await engine.run({ dryRun: true })
  const offline = await planOffline({ config, directory: {}, now: '2026-06-01T00:00:00.000Z' })
  console.log(planSummary(offline), report.dry_run, fields, why)
  // @ts-expect-error: a mode that does not exist
  await engine.plan({ mode: 'sideways' })
  // @ts-expect-error: the constructor is private; use SyncEngine.create
  new SyncEngine()
}
