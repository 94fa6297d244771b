// The control topic `sim/<serial>/control`: the same faults as the library API, for demos and
// tools that only speak MQTT, e.g. `mosquitto_pub -t sim/<serial>/control -m '{"fault":"stall"}'`.
import { type SimAms } from './ams.js'
import { type VirtualPrinter } from './printer.js'

export const CONTROL_FAULTS = [
  'fail', 'drop', 'stall', 'unstall', 'devmode-off', 'devmode-on', 'changed-cert', 'wrong-cn',
  'restore-cert', 'refuse', 'accept', 'slow-ftps', 'ftps-426', 'freeze', 'thaw', 'clear', 'load-ams',
] as const

export async function applyControl(printer: VirtualPrinter, message: unknown): Promise<void> {
  if (typeof message !== 'object' || message === null) return
  const m = message as Record<string, unknown>
  switch (m.fault) {
    case 'fail': return printer.failPrint(typeof m.hms === 'string' ? m.hms : undefined)
    case 'drop': return printer.dropConnections()
    case 'stall': return printer.stall(m.untilReconnect !== false)
    case 'unstall': return printer.unstall()
    case 'devmode-off': return printer.setDeveloperMode(false)
    case 'devmode-on': return printer.setDeveloperMode(true)
    case 'changed-cert': return printer.changeCertificate()
    case 'wrong-cn': return printer.useWrongCommonName()
    case 'restore-cert': return printer.restoreCertificate()
    case 'refuse': return printer.setRefuseConnections(true)
    case 'accept': return printer.setRefuseConnections(false)
    case 'slow-ftps': return printer.setFtpsSpeed(typeof m.bytesPerSecond === 'number' ? m.bytesPerSecond : 50_000)
    case 'ftps-426': return printer.setFtpsReply426(m.on !== false)
    // {"fault":"freeze","dropAfterMs":5000,"deliver":false}. Its own PUBACK may already be swallowed;
    // with deliver false a "thaw" sent here is held too, so only dropAfterMs or the library ends it.
    case 'freeze': return printer.freeze({
      deliver: m.deliver !== false,
      ...(typeof m.dropAfterMs === 'number' && m.dropAfterMs >= 0 ? { dropAfterMs: m.dropAfterMs } : {}),
    })
    case 'thaw': return printer.thaw()
    // {"fault":"load-ams","ams":{"units":[[{"type":"PLA","color":"FFFFFF"},null]],"external":null}}
    case 'load-ams': return printer.setAms(m.ams as SimAms)
    case 'clear':
      printer.unstall()
      printer.thaw()
      printer.setDeveloperMode(true)
      printer.setRefuseConnections(false)
      printer.setFtpsSpeed(null)
      printer.setFtpsReply426(false)
      printer.restoreCertificate()
      return
    default:
  }
}
