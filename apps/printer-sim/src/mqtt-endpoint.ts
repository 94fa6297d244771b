// One printer's MQTT broker: aedes behind a TLS server on 127.0.0.1, user `bblp` + access code,
// and the connection-level faults (drop, refuse, swap certificate) the client must survive.
import { type AddressInfo, type Socket } from 'node:net'
import { type Duplex } from 'node:stream'
import tls from 'node:tls'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import { type KeyPairPem } from './certs.js'
import { sendOversizedPublish, type OversizedPacketResult } from './oversized-packet.js'

export interface MqttEndpointOptions {
  /** Where to listen (default 127.0.0.1, a random port). */
  listen?: { host: string; port: number }
  serial: string
  accessCode: string
  cert: KeyPairPem
  /** P1/A1 behaviour: subscribing to the request topic kills the connection. */
  dropsRequestSubscribers: boolean
  /** Called for every publish on the request or control topic by an authenticated client. */
  onRequest: (topic: string, payload: Buffer) => void
  /** Called when a client has connected and subscribed-or-not; resets per-connection faults. */
  onClientConnected: () => void
}

export interface MqttEndpoint {
  port: number
  /** Authenticated sessions opened since start. */
  readonly connections: number
  /** CONNECT packets checked (right or wrong password). */
  readonly authAttempts: number
  readonly connectedClients: number
  publishReport: (payload: Buffer) => void
  /** Sends a raw publish to every connected client, bypassing subscriptions (for hostile-broker tests). */
  injectRaw: (topic: string, payload: Buffer) => void
  /** Starts an oversized PUBLISH on each connected client's connection (see oversized-packet.ts). */
  sendOversizedPacket: (declaredBytes: number, sendBytes: number) => Promise<OversizedPacketResult[]>
  dropConnections: () => void
  setRefuseConnections: (refuse: boolean) => void
  useCertificate: (cert: KeyPairPem) => void
  close: () => Promise<void>
}

export async function startMqttEndpoint(opts: MqttEndpointOptions): Promise<MqttEndpoint> {
  const reportTopic = `device/${opts.serial}/report`
  const requestTopic = `device/${opts.serial}/request`
  const controlTopic = `sim/${opts.serial}/control`
  const clients = new Set<Client>()
  const sockets = new Set<Socket>()
  let connections = 0
  let authAttempts = 0
  let refuse = false

  const broker = await Aedes.createBroker({
    heartbeatInterval: 3_600_000,
    authenticate(_client, username, password, done) {
      authAttempts++
      if (username === 'bblp' && password?.toString('utf8') === opts.accessCode) return done(null, true)
      // Real printers answer a wrong code with CONNACK 5 ("not authorized").
      const err = Object.assign(new Error('Not authorized'), { returnCode: 5 }) as AuthenticateError
      done(err, false)
    },
    authorizeSubscribe(client, sub, done) {
      if (sub.topic === reportTopic) return done(null, sub)
      if (sub.topic === requestTopic && opts.dropsRequestSubscribers) {
        client.conn.destroy()
        return done(new Error('request topic'))
      }
      done(null, null)
    },
    authorizePublish(_client, packet, done) {
      if (packet.topic === requestTopic || packet.topic === controlTopic) return done(null)
      done(new Error('topic not allowed'))
    },
  })
  broker.on('client', (client) => {
    connections++
    clients.add(client)
    opts.onClientConnected()
  })
  broker.on('clientDisconnect', (client) => clients.delete(client))
  broker.on('publish', (packet, client) => {
    if (client && (packet.topic === requestTopic || packet.topic === controlTopic)) {
      opts.onRequest(packet.topic, Buffer.from(packet.payload))
    }
  })

  // Bambu brokers speak TLS 1.2 only (bambuddy's measurement); so does the simulator.
  const secure = (cert: KeyPairPem) => ({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const })
  const server = tls.createServer(secure(opts.cert), (socket) => broker.handle(socket))
  server.on('connection', (socket: Socket) => {
    // "Refusal of new connections": reset at TCP level, before any TLS, like a full broker.
    if (refuse) return socket.destroy()
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(opts.listen?.port ?? 0, opts.listen?.host ?? '127.0.0.1', resolve))

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy()
  }
  const noop = () => {}
  return {
    port: (server.address() as AddressInfo).port,
    get connections() { return connections },
    get authAttempts() { return authAttempts },
    get connectedClients() { return clients.size },
    publishReport(payload) {
      broker.publish({ cmd: 'publish', topic: reportTopic, payload, qos: 0, retain: false, dup: false }, noop)
    },
    injectRaw(topic, payload) {
      for (const client of clients) client.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, noop)
    },
    sendOversizedPacket(declaredBytes, sendBytes) {
      return Promise.all([...clients].map((c) => sendOversizedPublish(c.conn as Duplex, reportTopic, declaredBytes, sendBytes)))
    },
    dropConnections,
    setRefuseConnections(value) { refuse = value },
    useCertificate(cert) { server.setSecureContext(secure(cert)) },
    async close() {
      dropConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => broker.close(() => resolve()))
    },
  }
}
