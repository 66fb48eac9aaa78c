'use strict'
// An asset target written in JavaScript: records and logins kept in Maps. It is what a
// backend would write to apply plans to its own store, and it records every batch.

const norm = (v) => String(v ?? '').trim().normalize('NFC').toLowerCase()

class MemoryTarget {
  constructor({ batchLimit = 5, failFor = null } = {}) {
    this.name = 'memory'
    this.batchLimit = batchLimit
    this.failFor = failFor // an email whose writes are refused
    this.records = new Map() // id → { collection, fields }
    this.logins = new Map() // id → { email, role, active, fields }
    this.batches = []
    this.nextId = 1
  }

  async capabilities() {
    return {
      list_records: true,
      list_logins: true,
      create_login: true,
      change_role: true,
      deactivate_login: true,
      reactivate_login: true,
      update_login: true,
      ungrantable_roles: [],
      batch_limit: this.batchLimit,
    }
  }

  holdingsWhere(mapping, keep) {
    if (mapping.kind === 'record') {
      const records = [...this.records]
        .filter(([, r]) => r.collection === mapping.collection && keep(r.fields))
        .map(([id, r]) => ({ id, fields: { ...r.fields } }))
      return { records, logins: [], listed: true }
    }
    const logins = [...this.logins]
      .filter(([, l]) => keep({ ...l.fields, Email: l.email }))
      .map(([id, l]) => ({ id, email: l.email, role: l.role, active: l.active, fields: { ...l.fields } }))
    return { records: [], logins, listed: true }
  }

  async holdings(mapping) {
    return this.holdingsWhere(mapping, () => true)
  }

  lookup(mapping, field, values) {
    const wanted = new Set(values.map(norm))
    return this.holdingsWhere(mapping, (fields) => wanted.has(norm(fields[field])))
  }

  async write(batch) {
    this.batches.push(batch)
    if (batch.length > this.batchLimit) throw new Error(`batch of ${batch.length} exceeds ${this.batchLimit}`)
    return batch.map((w) => this.writeOne(w))
  }

  writeOne(w) {
    const email = w.email ?? w.fields?.Email
    if (this.failFor && norm(email) === norm(this.failFor)) return { result: 'failed', reason: `refused ${email}`, retryable: false }
    switch (w.op) {
      case 'create_record': {
        const id = `rec-${this.nextId++}`
        this.records.set(id, { collection: w.collection, fields: { ...w.fields } })
        return { result: 'done', id }
      }
      case 'update_record': {
        const r = this.records.get(w.record_id)
        if (!r) return { result: 'failed', reason: `no record ${w.record_id}`, retryable: false }
        Object.assign(r.fields, w.fields)
        return { result: 'done', id: w.record_id }
      }
      case 'create_login': {
        const id = `login-${this.nextId++}`
        this.logins.set(id, { email: w.email, role: w.role, active: true, fields: { ...w.fields } })
        return { result: 'done', id }
      }
      default: {
        const l = this.logins.get(w.login_id)
        if (!l) return { result: 'failed', reason: `no login ${w.login_id}`, retryable: false }
        if (w.op === 'change_role') l.role = w.role
        else if (w.op === 'update_login') Object.assign(l.fields, w.fields)
        else if (w.op === 'deactivate_login') l.active = false
        else if (w.op === 'reactivate_login') l.active = true
        else return { result: 'failed', reason: `unknown op ${w.op}`, retryable: false }
        return { result: 'done', id: w.login_id }
      }
    }
  }
}

module.exports = { MemoryTarget }
