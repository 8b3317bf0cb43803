// Builds zip archives in memory for the Carbon application (.car) tests: stored or deflated entries, a central
// directory and its end record, as `zip` and Maven's assembly plugin write them.
import { crc32, deflateRawSync } from 'node:zlib';

/** One file of the archive. */
export interface ZipEntry {
  name: string;
  content: Uint8Array | string;
  deflate?: boolean;
}

/** The bytes of a zip archive holding `entries` in order. */
export function zipArchive(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = Buffer.from(entry.content);
    const data = entry.deflate === true ? deflateRawSync(raw) : raw;
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.deflate === true ? 8 : 0;
    const checksum = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** An `artifacts.xml` naming one Carbon application with one synapse/api artifact, as Integration Studio writes it. */
export function carbonAppDescriptor(appName: string, apiName: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<artifacts><artifact name="${appName}" version="1.0.0" type="carbon/application">`,
    `<dependency artifact="${apiName}" version="1.0.0" include="true" serverRole="EnterpriseIntegrator"/>`,
    '</artifact></artifacts>',
    '',
  ].join('\n');
}

/** A .car with artifacts.xml and one API folder holding `apiXml`, built like `mvn install` of an Integration Studio project. */
export function carbonApp(appName: string, apiName: string, apiXml: string): Buffer {
  return zipArchive([
    { name: 'artifacts.xml', content: carbonAppDescriptor(appName, apiName), deflate: true },
    { name: `${apiName}_1.0.0/artifact.xml`, content: `<?xml version="1.0" encoding="UTF-8"?>\n<artifact name="${apiName}" version="1.0.0" type="synapse/api" serverRole="EnterpriseIntegrator"><file>${apiName}.xml</file></artifact>\n`, deflate: true },
    { name: `${apiName}_1.0.0/${apiName}.xml`, content: apiXml, deflate: true },
  ]);
}
