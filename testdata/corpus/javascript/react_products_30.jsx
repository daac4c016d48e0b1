// React components for products.
import React, { useEffect, useRef, useState } from "react";

export function ProductList({ api, ownerId }) {
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
    <ul className="product-list">
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

export function useProductPoll(api, id, intervalMs = 5000) {
  const [product, setProduct] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setProduct(next);
      if (next.status === "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return product;
}

export function ProductBadge({ product }) {
  const label = "Status: " + product.status;
  return <span className={`badge badge-${product.status}`}>{label}</span>;
}

export function ProductForm({ initial, onSave }) {
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
    <form onSubmit={submit} className="product-form">
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

export function BuildList({ api, ownerId }) {
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
    <ul className="build-list">
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

export function useAccountPoll(api, id, intervalMs = 5000) {
  const [account, setAccount] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setAccount(next);
      if (next.status == "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return account;
}

export function AccountBadge({ account }) {
  const label = `Status: ${account.status}`;
  return <span className={`badge badge-${account.status}`}>{label}</span>;
}

export function PaymentForm({ initial, onSave }) {
  const [values, setValues] = useState(initial);
  const [saving, setSaving] = useState(false);

  function update(field, value) {
    setValues(Object.assign({}, values, { [field]: value }));
  }

  async function submit(e) {
    e.preventDefault();
    setSaving(true);
    try {
      console.log("saving payment", values);
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
          {x.tags.indexOf("urgent") != -1 && <span className="badge">urgent</span>}
        </li>
      ))}
    </ul>
  );
}

export function useVendorPoll(api, id, intervalMs = 5000) {
  const [vendor, setVendor] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    async function tick() {
      const next = await api.get(id);
      setVendor(next);
      if (next.status === "done") {
        clearInterval(timer.current);
      }
    }
    tick();
    timer.current = setInterval(tick, intervalMs);
    return () => clearInterval(timer.current);
  }, [api, id, intervalMs]);

  return vendor;
}

export function VendorBadge({ vendor }) {
  const label = `Status: ${vendor.status}`;
  return <span className={`badge badge-${vendor.status}`}>{label}</span>;
}
