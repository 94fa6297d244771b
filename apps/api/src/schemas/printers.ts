import { PRINTER_MODELS } from '@printforge/domain'
import { Type } from 'typebox'
import { OneOf, Timestamp, Uuid } from './common.js'

/** The models the database's enum knows (packages/domain/src/printers/registry.ts). */
export const BambuModel = OneOf(PRINTER_MODELS)

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const PrinterError = Type.Object({ code: Type.String(), severity: Type.String(), text: Type.String() })

/** A loaded AMS tray or the external spool, as the printer last reported it (docs/bambu-protocol.md §3.6). */
const AmsTray = Type.Object({
  /** AMS unit id (0–3; AMS HT from 128); 255 for the external spool. */
  amsId: Type.Integer(),
  trayId: Type.Integer(),
  /** null: an empty slot. */
  type: Nullable(Type.String()),
  /** RRGGBBAA. */
  color: Nullable(Type.String()),
  /** Percent left; null when the printer does not know. */
  remain: Nullable(Type.Integer()),
  external: Type.Boolean(),
})

/** A printer as the API shows it: configuration and live status, never its access code. */
export const Printer = Type.Object({
  id: Uuid,
  name: Type.String(),
  model: BambuModel,
  serial: Type.String(),
  host: Type.String(),
  mqttPort: Type.Integer(),
  ftpsPort: Type.Integer(),
  online: Type.Boolean(),
  connection: Type.String(),
  controlEnabled: Type.Boolean(),
  gcodeState: Nullable(Type.String()),
  progress: Nullable(Type.Integer()),
  remainingMinutes: Nullable(Type.Integer()),
  layer: Nullable(Type.Integer()),
  totalLayers: Nullable(Type.Integer()),
  temperatures: Type.Object({ nozzle: Nullable(Type.Number()), bed: Nullable(Type.Number()), chamber: Nullable(Type.Number()) }),
  errors: Type.Array(PrinterError),
  /** What is loaded: filament-aware dispatch matches a model's filaments against it. */
  ams: Type.Array(AmsTray),
  lastSeenAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

const Name = Type.String({ minLength: 1, maxLength: 120 })
const Serial = Type.String({ pattern: '^[0-9A-Z]{8,32}$' })
const Host = Type.String({ minLength: 2, maxLength: 64 })
const Port = Type.Integer({ minimum: 1, maximum: 65535 })
/** Bambu LAN access codes are 8 characters; allow a little room for other firmware. */
const AccessCode = Type.String({ pattern: '^[A-Za-z0-9]{6,32}$' })

export const RegisterPrinterBody = Type.Object(
  { name: Name, model: BambuModel, serial: Serial, host: Host, accessCode: AccessCode, mqttPort: Type.Optional(Port), ftpsPort: Type.Optional(Port) },
  { additionalProperties: false },
)

export const UpdatePrinterBody = Type.Object(
  { name: Type.Optional(Name), host: Type.Optional(Host), accessCode: Type.Optional(AccessCode), mqttPort: Type.Optional(Port), ftpsPort: Type.Optional(Port) },
  { additionalProperties: false, minProperties: 1 },
)

export const PrinterCommandBody = Type.Object(
  {
    command: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('stop'), Type.Literal('light_on'), Type.Literal('light_off'), Type.Literal('refresh')]),
  },
  { additionalProperties: false },
)
