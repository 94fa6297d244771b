// Virtual Bambu Lab printers for tests, benchmarks and local development.
export { startPrinterFarm, type FarmPrinterSpec, type PrinterFarm, type PrinterFarmOptions } from './farm.js'
export { VirtualPrinter, type ReceivedRequest } from './printer.js'
export { type OversizedPacketResult } from './oversized-packet.js'
export { createTestCa, issuePrinterCert, loadOrCreateTestCa, type KeyPairPem, type TestCa } from './certs.js'
export { PRINTER_MODELS, MODEL_TRAITS, type PrinterModel } from './models.js'
export { CONTROL_FAULTS } from './control.js'
export { SIM_ERRORS, type GcodeState } from './job-state.js'
export { VERIFY_FAILED, storagePathFromUrl } from './request-handler.js'
