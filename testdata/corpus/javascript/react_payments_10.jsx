// React components for payments.
import React, { useEffect, useRef, useState } from "react";

export function PaymentForm({ initial, onSave }) {
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
    <form onSubmit={submit} className="payment-form">
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

export function PaymentList({ api, ownerId }) {
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
    <ul className="payment-list">
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

export function usePaymentPoll(api, id, intervalMs = 5000) {
  const [payment, setPayment] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setPayment(next);
      if (next.status === "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return payment;
}

export function PaymentBadge({ payment }) {
  const label = `Status: ${payment.status}`;
  return <span className={`badge badge-${payment.status}`}>{label}</span>;
}

export function WarehouseForm({ initial, onSave }) {
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
    <form onSubmit={submit} className="warehouse-form">
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

export function BookingList({ api, ownerId }) {
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
    <ul className="booking-list">
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

export function useBuildPoll(api, id, intervalMs = 5000) {
  const [build, setBuild] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setBuild(next);
      if (next.status === "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return build;
}

export function BuildBadge({ build }) {
  const label = `Status: ${build.status}`;
  return <span className={`badge badge-${build.status}`}>{label}</span>;
}

export function CustomerForm({ initial, onSave }) {
  const [values, setValues] = useState(initial);
  const [saving, setSaving] = useState(false);

  function update(field, value) {
    setValues({ ...values, [field]: value });
  }

  async function submit(e) {
    e.preventDefault();
    setSaving(true);
    try {
      console.log("saving customer", values);
      await onSave(values);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} className="customer-form">
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
