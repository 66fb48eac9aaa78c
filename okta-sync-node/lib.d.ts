// Types of the okta-sync public API (lib.js). Plans, reports and configurations are the
// core's JSON, with the same snake_case keys in Rust, Python and Node; options and error
// properties are camelCase.

// ---------------------------------------------------------------------------------------
// Configuration (see docs/configuration.md)

/** Where a secret comes from; never the secret itself. */
export type SecretRef = { env: string } | { file: string } | { provider: string }

export type OktaStatus =
  | 'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'RECOVERY' | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED'

export type Transform =
  | 'trim' | 'lower' | 'upper'
  | { default: string }
  | { lookup: { table: Record<string, string>; otherwise?: string | null } }
  | { date_format: string }

export interface FieldMap {
  target: string
  source: string
  transforms?: Transform[]
  required?: boolean
}

export interface Filters {
  department?: string[]
  department_case_sensitive?: boolean
  groups?: string[]
  status?: OktaStatus[]
}

export type StatusAction = 'sync' | 'skip' | 'deactivate'

export interface LoginMapping {
  kind: 'login'
  name: string
  groups: { group: string; role: string }[]
  fields: FieldMap[]
  filters?: Filters
  on_leave_groups?: 'deactivate' | 'keep_as_record'
  keep_as_record_in?: string | null
  status_policy?: Partial<Record<OktaStatus, StatusAction>>
  target_owned_fields?: string[]
}

export interface RecordMapping {
  kind: 'record'
  name: string
  collection: string
  fields: FieldMap[]
  filters?: Filters
  okta_id_field?: string
  inactive?: { field: string; inactive_value: string; active_value: string } | null
  target_owned_fields?: string[]
}

export type Mapping = LoginMapping | RecordMapping

export interface SyncConfig {
  okta: {
    org_url: string
    token: SecretRef
    rate_limit_share?: number
    max_concurrency?: number
    page_size?: number
    overlap_seconds?: number
    timeout_seconds?: number
    max_retries?: number
  }
  target:
    | { kind: 'local'; path: string }
    | {
        kind: 'assetpanda'
        base_url?: string
        access_key_id: SecretRef
        access_key_secret: SecretRef
        account: string
        module: string
        requests_per_window?: number
        window_seconds?: number
      }
  state?: { path?: string | null }
  unique_identifier: 'okta_id' | 'email'
  mappings: Mapping[]
  deprovisioning?: {
    login_status?: Partial<Record<OktaStatus, StatusAction>>
    missing_without_event?: 'report' | 'deactivate'
  }
  safety?: {
    max_deactivate_share?: number
    max_deactivate_count?: number
    max_population_drop_share?: number
  }
  reconcile_every_days?: number
}

/** A configuration object, or the path (string or file: URL) of a YAML, TOML or JSON file. */
export type ConfigInput = SyncConfig | string | URL

// ---------------------------------------------------------------------------------------
// Directory and target data

/** An Okta user in Okta's own JSON shape (as `GET /api/v1/users/{id}` returns it). */
export interface OktaUser {
  id: string
  status: OktaStatus | string
  transitioningToStatus?: string | null
  created?: string | null
  activated?: string | null
  statusChanged?: string | null
  lastLogin?: string | null
  lastUpdated?: string | null
  passwordChanged?: string | null
  type?: { id: string } | null
  profile: Record<string, unknown>
  credentials?: { provider?: { type: string; name?: string } }
  [key: string]: unknown
}

/** Target field values by display name. */
export type Fields = Record<string, unknown>

export interface Capabilities {
  list_records: boolean
  list_logins: boolean
  create_login: boolean
  change_role: boolean
  deactivate_login: boolean
  reactivate_login: boolean
  update_login?: boolean
  ungrantable_roles: string[]
  batch_limit: number
}

export interface TargetRecord { id: string; fields: Fields }
export interface TargetLogin { id: string; email: string; role: string | null; active: boolean; fields: Fields }

/** What a target holds for one mapping. */
export interface TargetHoldings {
  records: TargetRecord[]
  logins: TargetLogin[]
  /** False when the target cannot list this mapping's contents. */
  listed: boolean
}

export type TargetWrite =
  | { op: 'create_record'; collection: string; fields: Fields }
  | { op: 'update_record'; collection: string; record_id: string; fields: Fields }
  | { op: 'create_login'; email: string; role: string; fields: Fields }
  | { op: 'change_role'; login_id: string; role: string }
  | { op: 'update_login'; login_id: string; fields: Fields }
  | { op: 'deactivate_login'; login_id: string }
  | { op: 'reactivate_login'; login_id: string }

export type WriteOutcome =
  | { result: 'done'; id: string }
  | { result: 'failed'; reason: string; retryable: boolean }

export interface TargetCheck { ok: boolean; messages: string[] }

/**
 * An asset target written in JavaScript. Methods may be async or not; a thrown error or
 * rejected promise fails that call (a `CallbackError` for the sync), never the process.
 */
export interface AssetTarget {
  /** Used in errors and reports. Default `javascript`. */
  name?: string
  /** Asked once, when the engine is created. */
  capabilities(): Capabilities | Promise<Capabilities>
  /** Everything the target holds for a mapping (full reconciles). */
  holdings(mapping: Mapping): TargetHoldings | Promise<TargetHoldings>
  /** Entries of a mapping whose `field` holds one of `values` (normalised like the planner does). */
  lookup(mapping: Mapping, field: string, values: string[]): TargetHoldings | Promise<TargetHoldings>
  /** Up to `batch_limit` writes of one kind; one outcome per write, in order. */
  write(batch: TargetWrite[]): WriteOutcome[] | Promise<WriteOutcome[]>
  /** "Test and save connection". Default: `{ ok: true, messages: [] }`. */
  checkConnection?(config: SyncConfig): TargetCheck | Promise<TargetCheck>
}

// ---------------------------------------------------------------------------------------
// Pure results

export interface MappedUser {
  fields: Fields
  /** Non-empty means a sync would not write this user. */
  problems: { field: string; message: string }[]
}

export interface Explanation {
  admitted: boolean
  checks: { filter: string; passed: boolean; reason: string }[]
}

// ---------------------------------------------------------------------------------------
// Plans and reports

export interface FieldChange { field: string; before: unknown; before_unknown?: boolean; after: unknown }

export type Cause =
  | { cause: 'deactivated_in_okta'; status: string }
  | { cause: 'deleted_in_okta'; event_uuid: string; event_type: string; published: string }
  | { cause: 'not_found_in_okta'; checked_at: string }
  | { cause: 'left_mapped_groups' }
  | { cause: 'left_scope'; detail: string }
  | { cause: 'status_policy'; status: string }
  | { cause: 'missing_from_okta' }

export type Conflict =
  | { conflict: 'duplicate_identity'; okta_ids: string[] }
  | { conflict: 'multiple_target_matches'; target_ids: string[] }
  | { conflict: 'required_field_missing'; problems: { field: string; message: string }[] }
  | { conflict: 'ungrantable_role'; role: string }

export type ActionKind =
  | { kind: 'create_record'; collection: string; fields: Fields }
  | { kind: 'update_record'; collection: string; record_id: string; changes: FieldChange[] }
  | { kind: 'adopt_record'; collection: string; record_id: string; stamp_field: string; changes: FieldChange[] }
  | ({ kind: 'mark_record_inactive'; collection: string; record_id: string; field: string; value: string } & Cause)
  | { kind: 'reactivate_record'; collection: string; record_id: string; changes: FieldChange[] }
  | { kind: 'create_login'; email: string; role: string; fields: Fields }
  | { kind: 'adopt_login'; login_id: string }
  | { kind: 'change_role'; login_id: string; from: string | null; to: string; downgrade: boolean }
  | { kind: 'update_login'; login_id: string; changes: FieldChange[] }
  | ({ kind: 'deactivate_login'; login_id: string } & Cause)
  | { kind: 'reactivate_login'; login_id: string }
  | ({ kind: 'conflict' } & Conflict)
  | { kind: 'manual'; capability: string; intended: ActionKind }

export type Action = { mapping: string; okta_id: string; identity: string | null; reason: string } & ActionKind

export interface Warning { code: string; mapping: string | null; okta_id: string | null; message: string }
export interface HeldBack { action: Action; reason: string }

export interface BrakeAssessment {
  tripped: boolean
  reason: string | null
  counts: { destructive: number; managed: number; in_scope: number; baseline: number }
  limits: { max_deactivate_share: number; max_deactivate_count: number; max_population_drop_share: number }
}

/** A reviewable, hashed plan. Pass it back to `apply` as it is (it is compared by hash). */
export interface Plan {
  format: string
  mode: 'full' | 'delta'
  first_import: boolean
  /** `sha256:<hex>`; an approval names it. */
  hash: string
  /** Number of actions per kind (`create_record`, `deactivate_login`, ...). */
  counts: Record<string, number>
  actions: Action[]
  /** Per mapping, in-scope users that need no change. */
  unchanged: Record<string, number>
  in_scope: Record<string, number>
  warnings: Warning[]
  held_back: HeldBack[]
  brake: BrakeAssessment
  /** What the sync state becomes once applied (opaque to callers). */
  state_changes: Record<string, unknown>
  /** The org and state commit an engine built this plan on; it applies only to those. Absent offline. */
  basis?: { org: string; state_commits: number | null }
}

export interface ReadStats {
  requests: number
  pages: number
  bytes: number
  throttle_waits: number
  throttle_wait_ms: number
}

/** What an apply did. */
export interface Report {
  plan_hash: string
  mode: 'full' | 'delta'
  dry_run: boolean
  approved: boolean
  counts: Record<string, { planned: number; done: number; failed: number }>
  unchanged: Record<string, number>
  failures: { mapping: string; okta_id: string; kind: string; reason: string; attempts: number }[]
  manual: Action[]
  conflicts: Action[]
  held_back: HeldBack[]
  warnings: Warning[]
  brake: BrakeAssessment
  read: ReadStats
  writes: { batches: number; writes: number; retries: number }
  duration_ms: number
}

export interface RunOutcome { plan: Plan; report: Report }

/** Everything `planOffline` plans from (the core's `OfflineInput`). */
export interface OfflineInput {
  config: SyncConfig
  /** A directory snapshot (the core's `DirectorySnapshot`). */
  directory: Record<string, unknown>
  /** What the target holds, per mapping name. */
  holdings?: Record<string, TargetHoldings>
  /** Default: a target that can do everything, in batches of 100. */
  capabilities?: Capabilities
  /** The sync state; `{}` before the first run. */
  state?: Record<string, unknown>
  /** Ids Okta answered 404 for when fetched by id (evidence of deletion). */
  not_found?: string[]
  /** Okta's clock, RFC 3339. Default: `directory.server_time`. */
  now?: string
}

export type Phase = 'check_connections' | 'load_state' | 'read_directory' | 'read_target' | 'plan' | 'apply' | 'commit_state'

/** A progress event; `event` says which kind. */
export type ProgressEvent =
  | { event: 'phase_started'; phase: Phase }
  | { event: 'phase_finished'; phase: Phase; elapsed_ms: number }
  | { event: 'page_fetched'; listing: string; items: number }
  | { event: 'throttled'; wait_ms: number }
  | { event: 'actions_applied'; finished: number; total: number }
  | { event: 'warning'; message: string }

export type SyncMode = 'auto' | 'full' | 'delta'

export interface EngineOptions {
  /** A JavaScript target replacing the configured one. */
  target?: AssetTarget
  /** Called for each progress event; must not throw (a throw becomes a process warning). */
  progress?: (event: ProgressEvent) => void
  /** Values of `provider:` secret references, by name. */
  secrets?: Record<string, string>
}

/** "Test and save connection", for both sides. */
export interface ConnectionReport {
  /** True when both sides are usable. */
  ok: boolean
  okta: { ok: boolean; users: boolean; groups: boolean; system_log: boolean; messages: string[] }
  target: TargetCheck
}

// ---------------------------------------------------------------------------------------
// API

/** Checks a configuration; throws a `ConfigError` listing every problem with its path. */
export declare function validateConfig(config: ConfigInput): void
/** Loads and validates a configuration; returns it with every default filled in. */
export declare function loadConfig(config: ConfigInput): SyncConfig
/** The JSON Schema of the configuration (as in docs/config.schema.json). */
export declare function configSchema(): Record<string, unknown>
/** Maps one Okta user with the named mapping's field map. */
export declare function mapUser(config: ConfigInput, mapping: string, user: OktaUser): MappedUser
/** Says whether the named mapping admits a user, and why. `groups`: the groups (names or ids, as configured) the user is in. */
export declare function explain(config: ConfigInput, mapping: string, user: OktaUser, groups?: string[]): Explanation
/** Builds a plan from plain data, off the event loop. */
export declare function planOffline(input: OfflineInput | string): Promise<Plan>
/** The core's human-readable summary of a plan: counts, then one line per action (at most 40). */
export declare function planSummary(plan: Plan): string
/** The core's human-readable summary of a report: what was done, what failed, what needs a person. */
export declare function reportSummary(report: Report): string
/** The native addon's version. */
export declare function version(): string

export declare class SyncEngine {
  private constructor()
  /** Opens an engine: loads the configuration, resolves secrets, connects Okta, the target and the state store. */
  static create(config: ConfigInput, options?: EngineOptions): Promise<SyncEngine>
  checkConnections(): Promise<ConnectionReport>
  plan(options?: { mode?: SyncMode }): Promise<Plan>
  /** Throws `SafetyBrakeTrippedError` when the brake tripped and `approval` is not this plan's hash. */
  apply(plan: Plan, options?: { approval?: string | { planHash: string } }): Promise<Report>
  run(options?: { dryRun?: boolean; mode?: SyncMode; approval?: string | { planHash: string } }): Promise<RunOutcome>
}

// ---------------------------------------------------------------------------------------
// Errors

export declare class OktaSyncError extends Error {
  /** Stable, language-neutral code (`CONFIG_INVALID`, `OKTA_API`, `SAFETY_BRAKE_TRIPPED`...). */
  readonly code: string
}
export declare class ConfigError extends OktaSyncError {
  /** CONFIG_INVALID: every problem, sorted by path. */
  readonly problems?: { path: string; message: string }[]
  /** CONFIG_SYNTAX: the file (or `<inline>`) and the parser's message. */
  readonly sourceName?: string
  readonly detail?: string
}
export declare class DecodeError extends OktaSyncError {
  readonly what: string
  readonly path: string
  readonly detail: string
}
export declare class OktaApiError extends OktaSyncError {
  readonly status: number
  readonly errorCode: string | null
  readonly errorSummary: string | null
  readonly errorId: string | null
  readonly errorCauses: string[]
  readonly requestId: string | null
  readonly endpoint: string
}
export declare class CredentialError extends OktaApiError { readonly hint: string }
export declare class RateLimitError extends OktaApiError { readonly attempts: number }
export declare class TransportError extends OktaSyncError {
  readonly endpoint: string
  readonly attempts: number
  readonly detail: string
}
export declare class IncompleteListingError extends OktaSyncError { readonly listing: string; readonly reason: string }
export declare class LogCursorExpiredError extends OktaSyncError { readonly reason: string }
export declare class TargetError extends OktaSyncError {
  readonly target: string
  readonly operation: string
  readonly status: number | null
  readonly detail: string
}
export declare class SafetyBrakeTrippedError extends OktaSyncError {
  /** Approve exactly this plan with `apply(plan, { approval: planHash })`. */
  readonly planHash: string
  readonly reason: string
  readonly counts: { destructive: number; managed: number; inScope: number; baseline: number }
}
export declare class ApprovalMismatchError extends OktaSyncError { readonly approved: string; readonly actual: string }
export declare class StateError extends OktaSyncError { readonly operation: string; readonly detail: string }
export declare class SecretError extends OktaSyncError { readonly secret: string; readonly reason: string }
export declare class CallbackError extends OktaSyncError { readonly callback: string; readonly detail: string }
/** A Rust panic, caught: the process keeps running. */
export declare class InternalError extends OktaSyncError {}
