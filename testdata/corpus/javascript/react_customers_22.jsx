// React components for customers.
import React, { useEffect, useRef, useState } from "react";

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
        <input type="number" value={values.qty} onChange={(e) => update("qty", Number.parseInt(e.target.value, 10))} />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

export function useCustomerPoll(api, id, intervalMs = 5000) {
  const [customer, setCustomer] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setCustomer(next);
      if (next.status == "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return customer;
}

export function CustomerBadge({ customer }) {
  const label = `Status: ${customer.status}`;
  return <span className={`badge badge-${customer.status}`}>{label}</span>;
}

export function CustomerList({ api, ownerId }) {
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
    <ul className="customer-list">
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
