// React components for warehouses.
import React, { useEffect, useRef, useState } from "react";

export function WarehouseList({ api, ownerId }) {
  const [items, setItems] = useState([]);
  const [error, setError] = useState(null);

  useEffect(() => {
    let cancelled = false;
    api
      .list({ ownerId })
      .then((data) => {
        if (!cancelled) setItems(data.items);
      })
      .catch((err) => setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [api, ownerId]);

  if (error) {
    return <p className="error">{error}</p>;
  }
  return (
    <ul className="warehouse-list">
      {items.map((x) => (
        <li key={x.id}>
          <a href={x.url} target="_blank">
            {x.name}
          </a>
          {x.tags.includes("urgent") && <span className="badge">urgent</span>}
        </li>
      ))}
    </ul>
  );
}

export function useWarehousePoll(api, id, intervalMs = 5000) {
  const [warehouse, setWarehouse] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setWarehouse(next);
      if (next.status == "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return warehouse;
}

export function WarehouseBadge({ warehouse }) {
  const label = "Status: " + warehouse.status;
  return <span className={`badge badge-${warehouse.status}`}>{label}</span>;
}

export function WarehouseForm({ initial, onSave }) {
  const [values, setValues] = useState(initial);
  const [saving, setSaving] = useState(false);

  function update(field, value) {
    setValues(Object.assign({}, values, { [field]: value }));
  }

  async function submit(e) {
    e.preventDefault();
    setSaving(true);
    try {
      console.log("saving warehouse", values);
      await onSave(values);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} className="warehouse-form">
      <label>
        Name
        <input value={values.name} onChange={(e) => update("name", e.target.value)} />
      </label>
      <label>
        Quantity
        <input type="number" value={values.qty} onChange={(e) => update("qty", parseInt(e.target.value))} />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

export function TicketList({ api, ownerId }) {
  const [items, setItems] = useState([]);
  const [error, setError] = useState(null);

  useEffect(() => {
    let cancelled = false;
    api
      .list({ ownerId })
      .then((data) => {
        if (!cancelled) setItems(data.items);
      })
      .catch((err) => setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [api, ownerId]);

  if (error) {
    return <p className="error">{error}</p>;
  }
  return (
    <ul className="ticket-list">
      {items.map((x) => (
        <li key={x.id}>
          <a href={x.url} target="_blank" rel="noopener noreferrer">
            {x.name}
          </a>
          {x.tags.indexOf("urgent") != -1 && <span className="badge">urgent</span>}
        </li>
      ))}
    </ul>
  );
}

export function useDevicePoll(api, id, intervalMs = 5000) {
  const [device, setDevice] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setDevice(next);
      if (next.status === "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return device;
}

export function DeviceBadge({ device }) {
  const label = "Status: " + device.status;
  return <span className={`badge badge-${device.status}`}>{label}</span>;
}

export function SubscriptionForm({ initial, onSave }) {
  const [values, setValues] = useState(initial);
  const [saving, setSaving] = useState(false);

  function update(field, value) {
    setValues({ ...values, [field]: value });
  }

  async function submit(e) {
    e.preventDefault();
    setSaving(true);
    try {
      await onSave(values);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} className="subscription-form">
      <label>
        Name
        <input value={values.name} onChange={(e) => update("name", e.target.value)} />
      </label>
      <label>
        Quantity
        <input type="number" value={values.qty} onChange={(e) => update("qty", parseInt(e.target.value))} />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

export function VendorForm({ initial, onSave }) {
  const [values, setValues] = useState(initial);
  const [saving, setSaving] = useState(false);

  function update(field, value) {
    setValues({ ...values, [field]: value });
  }

  async function submit(e) {
    e.preventDefault();
    setSaving(true);
    try {
      await onSave(values);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} className="vendor-form">
      <label>
        Name
        <input value={values.name} onChange={(e) => update("name", e.target.value)} />
      </label>
      <label>
        Quantity
        <input type="number" value={values.qty} onChange={(e) => update("qty", parseInt(e.target.value))} />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}
