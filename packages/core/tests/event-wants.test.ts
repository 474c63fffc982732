import { describe, expect, it } from 'vitest';
import { EventBus, NULL_EVENT_SINK } from '../src/index.js';

describe('EventSink.wants', () => {
  it('tells a producer whether anyone would see an event type, per type and through onAny', () => {
    const bus = new EventBus();
    expect(bus.wants('node.output')).toBe(false);
    const offFinished = bus.on('node.finished', () => undefined);
    expect(bus.wants('node.output')).toBe(false);
    expect(bus.wants('node.finished')).toBe(true);
    const seen: string[] = [];
    const offAny = bus.onAny((event) => seen.push(event.type));
    expect(bus.wants('node.output')).toBe(true);
    bus.emit({ type: 'node.output', runId: 'r', nodeId: 'n', delta: 'x' });
    offAny();
    offFinished();
    expect(bus.wants('node.output')).toBe(false);
    expect(bus.wants('node.finished')).toBe(false);
    // Nobody listens any more: the event goes nowhere and nothing throws.
    bus.emit({ type: 'node.output', runId: 'r', nodeId: 'n', delta: 'y' });
    expect(seen).toEqual(['node.output']);
    expect(NULL_EVENT_SINK.wants?.('node.output')).toBe(false);
  });
});
