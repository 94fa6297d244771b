// What the client does differently per printer model, in one table (docs/bambu-protocol.md §2.4,
// §4.3). The business list of models lives in the database enum (packages/domain PRINTER_MODELS);
// this is the wire-level half, keyed by the client's spelling (`A1M` for the A1 mini).

/** Models the client knows how to address. `A1M` is the A1 mini. */
export type BambuModel = 'X1C' | 'X1E' | 'P1P' | 'P1S' | 'A1' | 'A1M' | 'H2D' | 'H2S' | 'H2C' | 'P2S' | 'X2D' | 'A2L'

export interface ModelProtocol {
  /**
   * project_file URL form (§2.4): `sdcard` = `file:///sdcard/<path>` for the models pybambu lists
   * in LEGACY_SDCARD_PRINTERS; `ftp` = `ftp:///<path>` for every other model ("all other printers
   * default to ftp:///"), which is what pybambu sends to the H2 family.
   */
  printUrl: 'sdcard' | 'ftp'
  /**
   * Highest TLS version the client offers on FTPS (§4.3). P2S firmware truncates uploads under TLS
   * 1.3, X2D fails the handshake on a 1.3 ClientHello, H2C fails intermittently; X1C and H2D speak
   * only 1.2 on port 990. No model is known to need 1.3, so every model is capped; a firmware that
   * one day needs 1.3 changes its row here, nowhere else.
   */
  ftpsMaxTls: 'TLSv1.2' | 'TLSv1.3'
}

export const MODEL_PROTOCOL: Readonly<Record<BambuModel, Readonly<ModelProtocol>>> = {
  X1C: { printUrl: 'sdcard', ftpsMaxTls: 'TLSv1.2' },
  X1E: { printUrl: 'sdcard', ftpsMaxTls: 'TLSv1.2' },
  P1P: { printUrl: 'sdcard', ftpsMaxTls: 'TLSv1.2' },
  P1S: { printUrl: 'sdcard', ftpsMaxTls: 'TLSv1.2' },
  A1: { printUrl: 'sdcard', ftpsMaxTls: 'TLSv1.2' },
  A1M: { printUrl: 'sdcard', ftpsMaxTls: 'TLSv1.2' },
  H2D: { printUrl: 'ftp', ftpsMaxTls: 'TLSv1.2' },
  H2S: { printUrl: 'ftp', ftpsMaxTls: 'TLSv1.2' },
  // The three below break under TLS 1.3 on FTPS (bambuddy's ftp_profiles.py, §4.3).
  H2C: { printUrl: 'ftp', ftpsMaxTls: 'TLSv1.2' },
  P2S: { printUrl: 'ftp', ftpsMaxTls: 'TLSv1.2' },
  X2D: { printUrl: 'ftp', ftpsMaxTls: 'TLSv1.2' },
  A2L: { printUrl: 'ftp', ftpsMaxTls: 'TLSv1.2' },
}

/** Every model the client knows, in table order. */
export const BAMBU_MODELS = Object.keys(MODEL_PROTOCOL) as readonly BambuModel[]
