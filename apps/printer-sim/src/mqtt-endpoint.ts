// One printer's MQTT broker: aedes behind a TLS server on 127.0.0.1, user `bblp` + access code,
// at most `maxClients` sessions at once, and the connection-level faults (drop, refuse, freeze,
// swap certificate) the client must survive.
import { type AddressInfo, type Socket } from 'node:net'
import { type Duplex } from 'node:stream'
import tls from 'node:tls'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import { type KeyPairPem } from './certs.js'
import { FreezeValve, type FreezeState } from './freeze-valve.js'
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
  /** Concurrent MQTT sessions accepted; one more is refused and counted (see authenticate). */
  maxClients: number
}

/** How many MQTT clients the printer had at once, for "no printer ever had two sessions". */
export interface ClientStats {
  maxClients: number
  /** Most sessions open at the same time since start (never above maxClients). */
  maxConcurrentClients: number
  /** CONNECTs with the right access code refused because maxClients sessions were open: the fault. */
  extraClients: number
}

export interface MqttEndpoint {
  port: number
  /** Authenticated sessions opened since start. */
  readonly connections: number
  /** CONNECT packets checked (right or wrong password). */
  readonly authAttempts: number
  readonly connectedClients: number
  readonly clientStats: ClientStats
  publishReport: (payload: Buffer) => void
  /** Sends a raw publish to every connected client, bypassing subscriptions (for hostile-broker tests). */
  injectRaw: (topic: string, payload: Buffer) => void
  /** Starts an oversized PUBLISH on each connected client's connection (see oversized-packet.ts). */
  sendOversizedPacket: (declaredBytes: number, sendBytes: number) => Promise<OversizedPacketResult[]>
  dropConnections: () => void
  setRefuseConnections: (refuse: boolean) => void
  /** Frozen: nothing is written back to any client; `deliver` says whether requests still get in. */
  setFrozen: (frozen: boolean, deliver: boolean) => void
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
  const freeze: FreezeState = { frozen: false, deliver: true }
  const valves = new Set<FreezeValve>()
  // Sessions that passed authentication and whose connection is still open.
  const live = new Set<Client>()
  const clientStats: ClientStats = { maxClients: opts.maxClients, maxConcurrentClients: 0, extraClients: 0 }

  const broker = await Aedes.createBroker({
    heartbeatInterval: 3_600_000,
    authenticate(client, username, password, done) {
      authAttempts++
      if (username !== 'bblp' || password?.toString('utf8') !== opts.accessCode) {
        // Real printers answer a wrong code with CONNACK 5 ("not authorized").
        return done(Object.assign(new Error('Not authorized'), { returnCode: 5 }) as AuthenticateError, false)
      }
      if (live.size >= opts.maxClients) {
        // One client too many (docs/bambu-protocol.md §1.4): refused with CONNACK 3 ("server
        // unavailable") and counted, so a test that opened a second session fails loudly, while
        // the session already open (which may have a print command in flight) is left alone.
        clientStats.extraClients++
        return done(Object.assign(new Error('Server unavailable'), { returnCode: 3 }) as AuthenticateError, false)
      }
      live.add(client)
      clientStats.maxConcurrentClients = Math.max(clientStats.maxConcurrentClients, live.size)
      client.conn.once('close', () => live.delete(client))
      done(null, true)
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
  const server = tls.createServer(secure(opts.cert), (socket) => {
    const valve = new FreezeValve(socket, freeze)
    valves.add(valve)
    valve.on('close', () => valves.delete(valve))
    broker.handle(valve)
  })
  server.on('connection', (socket: Socket) => {
    // "Refusal of new connections": reset at TCP level, before any TLS, like a full broker.
    if (refuse) return socket.destroy()
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(opts.listen?.port ?? 0, opts.listen?.host ?? '127.0.0.1', resolve))

  const dropConnections = () => {
    for (const valve of valves) valve.discard()
    for (const socket of sockets) socket.destroy()
  }
  const noop = () => {}
  return {
    port: (server.address() as AddressInfo).port,
    get connections() { return connections },
    get authAttempts() { return authAttempts },
    get connectedClients() { return clients.size },
    get clientStats() { return { ...clientStats } },
    publishReport(payload) {
      broker.publish({ cmd: 'publish', topic: reportTopic, payload, qos: 0, retain: false, dup: false }, noop)
    },
    injectRaw(topic, payload) {
      for (const client of clients) client.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, noop)
    },
    sendOversizedPacket(declaredBytes, sendBytes) {
      // Straight onto the TLS socket, so what it accepts is what the client read.
      const socketOf = (c: Client) => (c.conn instanceof FreezeValve ? c.conn.socket : (c.conn as Duplex))
      return Promise.all([...clients].map((c) => sendOversizedPublish(socketOf(c), reportTopic, declaredBytes, sendBytes)))
    },
    dropConnections,
    setRefuseConnections(value) { refuse = value },
    setFrozen(frozen, deliver) {
      freeze.frozen = frozen
      freeze.deliver = deliver
      if (!frozen) for (const valve of valves) valve.release()
    },
    useCertificate(cert) { server.setSecureContext(secure(cert)) },
    async close() {
      dropConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => broker.close(() => resolve()))
    },
  }
}
