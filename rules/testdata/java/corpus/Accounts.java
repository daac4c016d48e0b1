package demo.accounts;

import java.util.List;

/** Accounts of one tenant, as the admin screens list them. */
public final class Accounts {
    private final List<Account> all;

    public Accounts(List<Account> all) {
        this.all = all;
    }

    /** admins returns the accounts whose role is "admin". */
    public List<Account> admins() {
        return all.stream().filter(a -> a.role() == "admin").toList();
    }

    /** active reports whether the account is enabled and not locked. */
    public static boolean active(Account a) {
        return a.enabled() && !a.locked();
    }
}
