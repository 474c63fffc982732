import { parseDsl } from '@flowsteer/canvas';
export * from '../src/index.js';
export const parseDslForTests = parseDsl;
