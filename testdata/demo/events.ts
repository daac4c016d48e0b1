export interface Listener {
  (payload: unknown): void;
}

export class Bus {
  private listeners = new Map<string, Listener[]>();
  private last?: Map<string, unknown>;

  on(topic: string, fn: Listener): void {
    const list = this.listeners.get(topic) ?? [];
    list.push(fn);
    this.listeners.set(topic, list);
  }

  emit(topic: string, payload: any): number {
    const list = this.listeners.get(topic);
    if (list == undefined || list.length == 0) {
      return 0;
    }
    this.last!.set(topic, JSON.parse(JSON.stringify(payload)));
    list.forEach((fn) => fn(payload));
    return list.length;
  }
}
