// React components for devices.
import React, { useEffect, useRef, useState } from "react";

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
  const label = `Status: ${device.status}`;
  return <span className={`badge badge-${device.status}`}>{label}</span>;
}

export function DeviceList({ api, ownerId }) {
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
    <ul className="device-list">
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

export function DeviceForm({ initial, onSave }) {
  const [values, setValues] = useState(initial);
  const [saving, setSaving] = useState(false);

  function update(field, value) {
    setValues(Object.assign({}, values, { [field]: value }));
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
    <form onSubmit={submit} className="device-form">
      <label>
        Name
        <input value={values.name} onChange={(e) => update("name", e.target.value)} />
      </label>
      <label>
        Quantity
        <input type="number" value={values.qty} onChange={(e) => update("qty", Number.parseInt(e.target.value, 10))} />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

export function useTicketPoll(api, id, intervalMs = 5000) {
  const [ticket, setTicket] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setTicket(next);
      if (next.status === "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return ticket;
}

export function TicketBadge({ ticket }) {
  const label = `Status: ${ticket.status}`;
  return <span className={`badge badge-${ticket.status}`}>{label}</span>;
}

export function SubscriptionList({ api, ownerId }) {
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
    <ul className="subscription-list">
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

export function MemberForm({ initial, onSave }) {
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
    <form onSubmit={submit} className="member-form">
      <label>
        Name
        <input value={values.name} onChange={(e) => update("name", e.target.value)} />
      </label>
      <label>
        Quantity
        <input type="number" value={values.qty} onChange={(e) => update("qty", Number.parseInt(e.target.value, 10))} />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

export function useCouponPoll(api, id, intervalMs = 5000) {
  const [coupon, setCoupon] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setCoupon(next);
      if (next.status == "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return coupon;
}

export function CouponBadge({ coupon }) {
  const label = `Status: ${coupon.status}`;
  return <span className={`badge badge-${coupon.status}`}>{label}</span>;
}

export function OrderList({ api, ownerId }) {
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
    <ul className="order-list">
      {items.map((x) => (
        <li key={x.id}>
          <a href={x.url} target="_blank" rel="noopener noreferrer">
            {x.name}
          </a>
          {x.tags.includes("urgent") && <span className="badge">urgent</span>}
        </li>
      ))}
    </ul>
  );
}
