// The administration pages' texts (users, roles, tokens, org tree, tariffs, working-day
// calendar, the bill-run start form) under the top-level key `adm`; merged in index.js.
// Both languages must have the same keys (tests/unit/i18n.test.js).
export default {
  'zh-CN': {
    adm: {
      menu: '系统管理菜单',
      users: '用户', roles: '角色', tokens: '接口令牌', orgs: '组织机构', tariffs: '电价', calendar: '工作日历', audit: '审计日志',
      copy: '复制', copied: '已复制',
      refresh: '刷新', create: '新建', save: '保存', cancel: '取消', close: '关闭', delete: '删除', edit: '编辑', actions: '操作',
      saved: '已保存', deleted: '已删除', required: '请填写{f}', none: '暂无数据', total: '共 {n} 条',
      u: {
        title: '用户管理', username: '用户名', name: '姓名', org: '所属单位', roles: '角色', status: '状态',
        mustChange: '须改密', created: '创建时间', active: '启用', disabled: '停用', wholeTree: '全部单位',
        add: '新建用户', disable: '停用', enable: '启用', editRoles: '修改角色', rolesSaved: '角色已修改',
        enabled: '用户 {u} 已启用', disabledMsg: '用户 {u} 已停用',
        otpTitle: '初始密码（仅显示一次）', otpText: '请将初始密码安全地交给 {u}。首次登录时须修改密码。此密码不会再次显示。',
        created1: '用户 {u} 已创建', search: '用户名或姓名开头',
        allOrgs: '全部单位', allStatus: '全部状态',
      },
      r: {
        title: '角色管理', code: '代码', name: '中文名称', nameEn: '英文名称', builtin: '内置', custom: '自定义',
        perms: '权限', add: '新建角色', editTitle: '编辑角色 {c}', builtinHint: '内置角色为只读，不可修改或删除。',
        confirmDelete: '删除角色 {c}？', permsRequired: '请至少选择一项权限',
      },
      t: {
        title: '接口令牌', name: '名称', user: '所属用户', perms: '权限', org: '数据范围', expires: '到期时间',
        revoked: '已吊销', lastUsed: '最近使用', add: '新建令牌', days: '有效天数', revoke: '吊销',
        revokedMsg: '令牌 {n} 已吊销', confirmRevoke: '吊销令牌 {n}？吊销后立即失效。',
        secretTitle: '令牌（仅显示一次）', secretText: '请立即复制并妥善保存此令牌，关闭后无法再次查看。调用时使用请求头 Authorization: Bearer …',
        ownerOrg: '默认：所属用户的单位', active: '有效',
      },
      o: {
        title: '组织机构', code: '代码', name: '名称', level: '层级', parent: '上级单位', add: '新增单位',
        added: '单位 {c} 已新增', levels: { hq: '总部', province: '省公司', city: '地市公司', county: '县公司', station: '供电所' },
      },
      tf: {
        title: '电价管理', code: '代码', name: '名称', category: '类别', versions: '版本数', latest: '最新版本',
        detail: '电价 {c}', from: '生效日期', content: '内容', quote: '电费试算', period: '计费月份', kwh: '电量 (kWh)',
        run: '试算', item: '项目', amount: '金额', rule: '依据', arithmetic: '计算过程', totalLine: '合计 {t}（{k} kWh）',
        open: '查看',
      },
      c: {
        title: '工作日历', year: '年份', workingDays: '{y} 年共 {n} 个工作日', notCovered: '{y} 年尚未导入节假日安排，仅按周末计算。',
        date: '日期', kind: '类型', name: '名称', holiday: '节假日', workday: '调休上班', add: '设置日期', remove: '移除',
        removed: '{d} 已移除', set: '{d} 已设置', legendHoliday: '节假日', legendWorkday: '调休上班日', legendWeekend: '周末',
        weekdays: '一,二,三,四,五,六,日', month: '{m} 月', confirmRemove: '移除 {d} 的设置？',
      },
      br: {
        start: '发起核算', period: '计费月份', org: '单位（可选）', dryRun: '仅试算', submit: '开始核算',
        progress: '核算进度', running: '核算中…', done: '核算完成：{n} 张账单，{r} 张待审核', failed: '核算失败', failedWhy: '核算失败：{e}', retry: '重新核算',
        bills: '已计算 {n} 张账单',
        accounts: '{d} / {n} 户', phase: { waiting: '排队中', computing: '计算中', failed: '已中断', done: '已完成' },
      },
    },
  },
  en: {
    adm: {
      menu: 'Administration menu',
      users: 'Users', roles: 'Roles', tokens: 'API tokens', orgs: 'Org tree', tariffs: 'Tariffs', calendar: 'Calendar', audit: 'Audit log',
      copy: 'Copy', copied: 'Copied',
      refresh: 'Refresh', create: 'Create', save: 'Save', cancel: 'Cancel', close: 'Close', delete: 'Delete', edit: 'Edit', actions: 'Actions',
      saved: 'Saved', deleted: 'Deleted', required: '{f} is required', none: 'No data', total: '{n} in total',
      u: {
        title: 'Users', username: 'User name', name: 'Name', org: 'Org unit', roles: 'Roles', status: 'Status',
        mustChange: 'Must change password', created: 'Created', active: 'Active', disabled: 'Disabled', wholeTree: 'Whole tree',
        add: 'New user', disable: 'Disable', enable: 'Enable', editRoles: 'Change roles', rolesSaved: 'Roles changed',
        enabled: 'User {u} enabled', disabledMsg: 'User {u} disabled',
        otpTitle: 'One-time password (shown once)', otpText: 'Hand this one-time password to {u} securely. It must be changed at the first login and will not be shown again.',
        created1: 'User {u} created', search: 'User name or name starts with',
        allOrgs: 'All units', allStatus: 'Any status',
      },
      r: {
        title: 'Roles', code: 'Code', name: 'Chinese name', nameEn: 'English name', builtin: 'Built-in', custom: 'Custom',
        perms: 'Permissions', add: 'New role', editTitle: 'Edit role {c}', builtinHint: 'Built-in roles are read-only: they cannot be changed or deleted.',
        confirmDelete: 'Delete role {c}?', permsRequired: 'Choose at least one permission',
      },
      t: {
        title: 'API tokens', name: 'Name', user: 'Owner', perms: 'Permissions', org: 'Org subtree', expires: 'Expires',
        revoked: 'Revoked', lastUsed: 'Last used', add: 'New token', days: 'Valid for (days)', revoke: 'Revoke',
        revokedMsg: 'Token {n} revoked', confirmRevoke: 'Revoke token {n}? It stops working at once.',
        secretTitle: 'Token (shown once)', secretText: 'Copy this token now and keep it safe: it cannot be shown again. Send it as Authorization: Bearer …',
        ownerOrg: "Default: the owner's org unit", active: 'Active',
      },
      o: {
        title: 'Org tree', code: 'Code', name: 'Name', level: 'Level', parent: 'Parent unit', add: 'Add a unit',
        added: 'Unit {c} added', levels: { hq: 'Headquarters', province: 'Province', city: 'City', county: 'County', station: 'Station' },
      },
      tf: {
        title: 'Tariffs', code: 'Code', name: 'Name', category: 'Category', versions: 'Versions', latest: 'Latest version',
        detail: 'Tariff {c}', from: 'Effective from', content: 'Content', quote: 'Quote preview', period: 'Billing month', kwh: 'Energy (kWh)',
        run: 'Quote', item: 'Item', amount: 'Amount', rule: 'Rule', arithmetic: 'Arithmetic', totalLine: 'Total {t} ({k} kWh)',
        open: 'Open',
      },
      c: {
        title: 'Working-day calendar', year: 'Year', workingDays: '{y} has {n} working days', notCovered: 'No holidays imported for {y}: weekends only.',
        date: 'Date', kind: 'Kind', name: 'Name', holiday: 'Holiday', workday: 'Make-up working day', add: 'Set a day', remove: 'Remove',
        removed: '{d} removed', set: '{d} set', legendHoliday: 'Holiday', legendWorkday: 'Make-up working day', legendWeekend: 'Weekend',
        weekdays: 'Mo,Tu,We,Th,Fr,Sa,Su', month: 'Month {m}', confirmRemove: 'Remove the entry of {d}?',
      },
      br: {
        start: 'Start a bill run', period: 'Billing month', org: 'Org unit (optional)', dryRun: 'Dry run', submit: 'Start',
        progress: 'Progress', running: 'Running…', done: 'Done: {n} bills, {r} in review', failed: 'The bill run failed', failedWhy: 'The bill run failed: {e}', retry: 'Run it again',
        bills: '{n} bills computed',
        accounts: '{d} / {n} accounts', phase: { waiting: 'Waiting', computing: 'Computing', failed: 'Stopped', done: 'Done' },
      },
    },
  },
}
