/**
 * @module Tiny validators for request bodies. Each names the offending field the way the caller wrote it
 * (`messages[2].content`), so a 400 says exactly what to fix.
 */
import { badRequest } from '../errors.ts';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown, at: string): Json {
  if (!isObject(value)) throw badRequest(`${at}: expected an object`, at);
  return value;
}

export function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${at}: expected an array`, at);
  return value;
}

export function string(value: unknown, at: string): string {
  if (typeof value !== 'string') throw badRequest(`${at}: expected a string`, at);
  return value;
}

export function nonEmptyString(value: unknown, at: string): string {
  const text = string(value, at);
  if (text.length === 0) throw badRequest(`${at}: must not be empty`, at);
  return text;
}

export function optionalString(value: unknown, at: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, at);
}

/** An object, or undefined when absent (null counts as absent, as the providers treat it). */
export function optionalObject(value: unknown, at: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, at);
}

/** An array, or undefined when absent (null counts as absent). */
export function optionalArray(value: unknown, at: string): unknown[] | undefined {
  return value === undefined || value === null ? undefined : array(value, at);
}

export function optionalBoolean(value: unknown, at: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${at}: expected true or false`, at);
  return value;
}

export function optionalNumber(
  value: unknown,
  at: string,
  min: number,
  max: number,
  integer = false,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`${at}: expected a number`, at);
  if (integer && !Number.isInteger(value)) throw badRequest(`${at}: expected an integer`, at);
  if (value < min || value > max) throw badRequest(`${at}: must be between ${min} and ${max}`, at);
  return value;
}

/** `stop` / `stop_sequences`: a string or an array of non-empty strings. */
export function optionalStops(value: unknown, at: string, max: number): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const stops = typeof value === 'string' ? [value] : array(value, at).map((s, i) => nonEmptyString(s, `${at}[${i}]`));
  if (stops.length > max) throw badRequest(`${at}: at most ${max} stop sequences`, at);
  return stops.length ? stops : undefined;
}
