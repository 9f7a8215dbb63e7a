/** IPFIX abstract data types (RFC 7012 §3.1), which decide how a field's bytes are read. */
export type AbstractType =
  | 'octetArray'
  | 'unsigned8'
  | 'unsigned16'
  | 'unsigned32'
  | 'unsigned64'
  | 'signed8'
  | 'signed16'
  | 'signed32'
  | 'signed64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'macAddress'
  | 'string'
  | 'dateTimeSeconds'
  | 'dateTimeMilliseconds'
  | 'dateTimeMicroseconds'
  | 'dateTimeNanoseconds'
  | 'ipv4Address'
  | 'ipv6Address'
  | 'basicList'
  | 'subTemplateList'
  | 'subTemplateMultiList';

export interface ElementInfo {
  /** Private enterprise number; 0 for IANA elements. */
  pen: number;
  id: number;
  /** IANA camelCase name, or a readable vendor name. */
  name: string;
  /** The key under `netflow.*`. */
  snake: string;
  type: AbstractType;
}
