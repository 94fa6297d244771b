// Opens the MQTT-over-TLS connection to one printer (docs/bambu-protocol.md §1): verified TLS with
// SNI and CN = serial, MQTT 3.1.1, reconnects left to the session, incoming packets bounded.
import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { guardPacketSize } from './packet-guard.js'
import { printerTlsOptions } from './tls.js'

export interface MqttConnectOptions {
  host: string
  /** Default 8883. */
  port?: number
  serial: string
  accessCode: string
  extraCaPems?: string[]
  /** Default 15 s. */
  connectTimeoutMs?: number
  /** Largest incoming packet accepted; a larger one drops the connection before it is buffered. */
  maxPacketBytes: number
}

export function connectMqtt(o: MqttConnectOptions, onOversizedPacket: (declaredBytes: number) => void): MqttClient {
  const client = mqtt.connect({
    ...printerTlsOptions(o.serial, o.extraCaPems),
    protocol: 'mqtts',
    host: o.host,
    port: o.port ?? 8883,
    protocolVersion: 4,
    // ≤ 23 characters (the MQTT 3.1.1 guarantee) and unique per connection (§1.4).
    clientId: `pf_${randomBytes(9).toString('hex')}`,
    username: 'bblp',
    password: o.accessCode,
    clean: true,
    keepalive: 30,
    connectTimeout: o.connectTimeoutMs ?? 15_000,
    // We own reconnects: mqtt.js's loop would retry a wrong code or a bad certificate every second,
    // and its outgoing store would re-send commands after a reconnect.
    //
    // A print command must never reach the printer twice, so no PUBLISH may outlive its connection.
    // mqtt.js keeps an unacknowledged QoS 1 PUBLISH in its outgoing store and re-sends it (DUP) only
    // when the same client object connects again. Here a client object connects exactly once: no
    // reconnect loop (reconnectPeriod 0), the session never calls reconnect(), and each new
    // connection is a new client with a new, empty in-memory store; `clean: true` makes the broker
    // drop its side of the session too. An unacknowledged command therefore ends as CONNECTION_LOST
    // or ACK_TIMEOUT, and only the printer's state tells whether it arrived (session.ts send()).
    reconnectPeriod: 0,
    // Nothing is queued while disconnected either (the session refuses to send when not online).
    queueQoSZero: false,
  })
  // mqtt.connect creates and pipes the TLS socket synchronously, so no byte has been read yet.
  guardPacketSize(client.stream, o.maxPacketBytes, onOversizedPacket)
  return client
}
