import { useEffect, useRef } from 'react';
import { useStdin } from 'ink';
import { KeyDecoder, type Key } from './keys.js';

/**
 * Every key the terminal sends, decoded one by one (Ink hands over a whole read as one string:
 * three spaces, or text followed by Backspace, would otherwise be one "key").
 */
export function useKeys(handler: (key: Key) => void): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const decoder = new KeyDecoder();
    const onInput = (raw: string): void => {
      for (const key of decoder.push(raw)) latest.current(key);
    };
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported]);
}
